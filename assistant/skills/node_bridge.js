'use strict';
/*
 * Runs one Node.js Alexa skill's Lambda handler, unmodified, in this process, as AWS Lambda would.
 *
 *   node node_bridge.js --channel-in FD --channel-out FD --code-dir DIR --handler index.handler
 *                       --shims DIR --skill NAME
 *
 * The channel is JSON lines on two inherited file descriptors; stdout and stderr belong to the skill
 * (console.log), and the parent keeps them as the skill's log. Same messages as python_worker.py:
 *   to the parent:   {op:"ready"} | {op:"result", id, response} | {op:"fault", id, kind, detail, traceback}
 *                    | {op:"attributes.get"|"attributes.save"|"attributes.delete", id, key[, value]}
 *   from the parent: {op:"invoke", id, event, timeout_ms} | {op:"reply", id, value} | {op:"reply", id, error}
 *
 * An invocation resolves on the first of callback(err, res), context.succeed/fail/done, or a returned Promise;
 * later resolutions are ignored. require() of the persistence adapters and aws-sdk resolves to shims/node.
 */

const fs = require('fs');
const net = require('net');
const path = require('path');
const Module = require('module');
const { pathToFileURL } = require('url');

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      throw new Error(`bad arguments: ${argv.join(' ')}`);
    }
    args[argv[i].slice(2)] = argv[i + 1];
  }
  for (const name of ['channel-in', 'channel-out', 'code-dir', 'handler', 'shims', 'skill']) {
    if (!(name in args)) throw new Error(`missing --${name}`);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const outFd = Number(args['channel-out']);
const inFd = Number(args['channel-in']);
const codeDir = path.resolve(args['code-dir']);
const shimsDir = path.resolve(args.shims);
const skill = args.skill;

// --- the skill's clock: moved to the request's time when the assistant runs on a fixed clock (--now) ---
let clockOffset = 0;
if (args['fake-clock']) {
  const RealDate = Date;
  class SkillDate extends RealDate {
    constructor(...given) {
      if (given.length === 0) super(RealDate.now() + clockOffset);
      else super(...given);
    }
    static now() { return RealDate.now() + clockOffset; }
  }
  global.Date = SkillDate;
}

// --- the way to the local Alexa API server: 127.0.0.1 in this sandbox, forwarded to its Unix socket ---
function openApiForwarder() {
  return new Promise((resolve) => {
    if (!args['api-socket']) { resolve(null); return; }
    const forwarder = net.createServer((client) => {
      const upstream = net.connect(args['api-socket']);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
    const listen = (port) => forwarder.listen(port, '127.0.0.1', () => {
      forwarder.unref();
      resolve(forwarder.address().port);
    });
    forwarder.on('error', (err) => {
      if (err.code === 'EACCES' && Number(args['api-port']) !== 0) { args['api-port'] = '0'; listen(0); return; }
      console.error(`[WARN] no way to the Alexa API server: ${err}`);
      resolve(null);
    });
    listen(Number(args['api-port'] || 0));
  });
}

function writeLine(text) {
  const data = Buffer.from(text + '\n', 'utf8');
  let offset = 0;
  while (offset < data.length) {
    offset += fs.writeSync(outFd, data, offset, data.length - offset);
  }
}

function send(message) {
  writeLine(JSON.stringify(message));
}

// --- requests to the parent (persistence), matched to replies by id ---
const pending = new Map();
let nextRpc = 1;
function call(op, payload) {
  const id = `rpc-${nextRpc++}`;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    send(Object.assign({ op, id }, payload));
  });
}

// --- repeatable randomness when the assistant asks for it (--seed) ---
if (process.env.ASSISTANT_SKILL_SEED !== undefined) {
  let state = Number(process.env.ASSISTANT_SKILL_SEED) >>> 0;
  Math.random = function seededRandom() { // mulberry32
    state = (state + 0x6D2B79F5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// --- require() redirection to the local stand-ins ---
const SHIMS = {
  'ask-sdk-dynamodb-persistence-adapter': path.join(shimsDir, 'ask-sdk-dynamodb-persistence-adapter.js'),
  'ask-sdk-s3-persistence-adapter': path.join(shimsDir, 'ask-sdk-s3-persistence-adapter.js'),
  'aws-sdk': path.join(shimsDir, 'aws-sdk.js'),
  'aws-sdk/clients/dynamodb': path.join(shimsDir, 'aws-sdk-dynamodb.js'),
};
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolveWithShims(request, parent, isMain, options) {
  if (Object.prototype.hasOwnProperty.call(SHIMS, request)) {
    return SHIMS[request];
  }
  return originalResolve.call(this, request, parent, isMain, options);
};

/** The real module as the skill would have found it (for what the stand-ins do not replace), or null. */
function realRequire(name) {
  // Resolved by hand past the redirection (require()'s own cache would hand back the stand-in).
  const lookup = new Module(path.join(codeDir, 'index.js'));
  lookup.paths = Module._nodeModulePaths(codeDir);
  let resolved;
  try {
    resolved = originalResolve.call(Module, name, lookup, false);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') return null;
    throw err;
  }
  return require(resolved);
}

require(path.join(shimsDir, '_channel.js')).install({ call, realRequire });

// --- the invocation in progress ---
let current = null; // {id, settle}

/** The one-line detail of an error, as the last line of a Python traceback: "TypeError: message". */
function detailOf(err) {
  return describe(err).split('\n')[0];
}

function describe(err) {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch (_) {
    return String(err);
  }
}

function fault(id, kind, detail, trace, fatal) {
  send({ op: 'fault', id, kind, detail, traceback: trace || '', fatal: Boolean(fatal) });
}

function invoke(message, handler) {
  const id = message.id;
  const deadline = Date.now() + Number(message.timeout_ms || 8000);
  let settled = false;
  const settle = (err, response) => {
    if (settled) {
      console.error(`[WARN] ${id}: the handler answered again (${err ? describe(err) : 'a response'}); ignored`);
      return;
    }
    settled = true;
    if (current && current.id === id) current = null;
    if (err !== null && err !== undefined) {
      const trace = err instanceof Error && err.stack ? err.stack : describe(err);
      console.error(`[ERROR] ${id} handler failed: ${trace}`);
      fault(id, 'raised', detailOf(err), trace);
      return;
    }
    let line;
    try {
      line = JSON.stringify({ op: 'result', id, response: response === undefined ? null : response });
    } catch (e) {
      fault(id, 'invalid-response', `the handler returned a value that is not JSON: ${detailOf(e)}`);
      return;
    }
    writeLine(line);
  };
  current = { id, settle };
  const context = {
    awsRequestId: id,
    functionName: skill,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${skill}`,
    memoryLimitInMB: '128',
    logGroupName: `/aws/lambda/${skill}`,
    logStreamName: `local/${skill}`,
    callbackWaitsForEmptyEventLoop: true,
    succeed: (response) => settle(null, response),
    fail: (err) => settle(err === undefined || err === null ? new Error('context.fail() was called') : err),
    done: (err, response) => settle(err, response),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let returned;
  try {
    returned = handler(message.event, context, (err, response) => settle(err, response));
  } catch (err) {
    settle(err === undefined || err === null ? new Error('the handler threw ' + String(err)) : err);
    return;
  }
  if (returned && typeof returned.then === 'function') {
    returned.then(
      (response) => settle(null, response),
      (err) => settle(err === undefined || err === null ? new Error('the handler\'s promise was rejected') : err),
    );
  }
}

// An error nobody caught ends the process, as on Lambda; the invocation in progress is told why first.
function onUncaught(err) {
  const trace = err instanceof Error && err.stack ? err.stack : describe(err);
  console.error(`[ERROR] uncaught: ${trace}`);
  if (current) fault(current.id, 'raised', detailOf(err), trace, true);
  process.exit(1);
}
process.on('uncaughtException', onUncaught);
process.on('unhandledRejection', onUncaught);

async function loadHandler(spec) {
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1) {
    throw new Error(`handler '${spec}' is not of the form file.function`);
  }
  const base = path.resolve(codeDir, spec.slice(0, dot));
  const name = spec.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => fs.existsSync(f)) || base;
  let mod;
  if (file.endsWith('.mjs')) {
    mod = await import(pathToFileURL(file).href);
  } else {
    try {
      mod = require(file);
    } catch (err) {
      if (!err || err.code !== 'ERR_REQUIRE_ESM') throw err;
      mod = await import(pathToFileURL(file).href); // a .js file in a "type": "module" package
    }
  }
  const fn = mod && mod[name];
  if (typeof fn !== 'function') {
    throw new Error(`${file} exports no function '${name}'`);
  }
  return fn;
}

async function main() {
  process.chdir(codeDir);
  let handler;
  try {
    handler = await loadHandler(args.handler);
  } catch (err) {
    const trace = err instanceof Error && err.stack ? err.stack : describe(err);
    console.error(`[ERROR] cannot load handler '${args.handler}': ${trace}`);
    fault(null, 'raised', detailOf(err), trace, true);
    process.exit(1);
  }
  const input = new net.Socket({ fd: inFd, readable: true, writable: false });
  input.setEncoding('utf8');
  let buffered = '';
  input.on('data', (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (!line.trim()) continue;
      const message = JSON.parse(line);
      if (message.op === 'invoke') {
        if (typeof message.clock_offset_ms === 'number') clockOffset = message.clock_offset_ms;
        invoke(message, handler);
      } else if (message.op === 'reply' && pending.has(message.id)) {
        const { resolve, reject } = pending.get(message.id);
        pending.delete(message.id);
        if ('error' in message) reject(new Error(String(message.error)));
        else resolve(message.value);
      } else {
        throw new Error(`unexpected message from the assistant: ${line.slice(0, 200)}`);
      }
    }
  });
  input.on('end', () => process.exit(0));
  const apiPort = await openApiForwarder();
  send(apiPort === null ? { op: 'ready' } : { op: 'ready', api_port: apiPort });
}

main();
