'use strict';
// Stand-in for aws-sdk v2's DynamoDB and DynamoDB.DocumentClient (get, put, delete; what alexa-sdk v1's
// dynamoDBTableName uses). Whole items live in the assistant's sqlite store under
// dynamodb/<table>/<key as sorted JSON>. The key attributes of a table are learnt from createTable, get and
// delete; a put on a table not seen yet assumes 'userId' or 'id' (alexa-sdk v1 and ask-sdk v2 defaults).

const channel = require('./_channel');

const keyNames = new Map(); // table name -> [key attribute names]

function awsError(code, message) {
  const error = new Error(message);
  error.code = code;
  error.name = code;
  return error;
}

function learn(table, names) {
  if (table && names.length) keyNames.set(table, names);
}

function storeKey(table, key) {
  if (!table) throw awsError('ValidationException', 'TableName is required');
  if (!key || typeof key !== 'object' || !Object.keys(key).length) {
    throw awsError('ValidationException', `a Key is required for table ${table}`);
  }
  const sorted = {};
  for (const name of Object.keys(key).sort()) sorted[name] = key[name];
  return `dynamodb/${table}/${JSON.stringify(sorted)}`;
}

function keyOfItem(table, item) {
  if (!item || typeof item !== 'object') throw awsError('ValidationException', `an Item is required for table ${table}`);
  let names = keyNames.get(table);
  if (!names) {
    const guess = ['userId', 'id'].find((name) => name in item);
    if (!guess) {
      throw awsError('ValidationException', `the assistant's offline DynamoDB does not know the key of table ${table}: ` +
        'call createTable or get on it first');
    }
    names = [guess];
  }
  const key = {};
  for (const name of names) {
    if (!(name in item)) throw awsError('ValidationException', `the Item for table ${table} lacks its key attribute ${name}`);
    key[name] = item[name];
  }
  return key;
}

/** An AWS.Request look-alike: sent at once when a callback is given, else on .promise(). */
function request(run, callback) {
  let sent = null;
  const send = () => {
    if (!sent) sent = Promise.resolve().then(run);
    return sent;
  };
  if (typeof callback === 'function') {
    send().then((data) => callback(null, data), (err) => callback(err, null));
  }
  return { promise: send, send: (cb) => send().then((d) => cb && cb(null, d), (e) => cb && cb(e, null)) };
}

function unsupported(name) {
  return function notOffline(params, callback) {
    return request(() => {
      throw awsError('UnsupportedOperation', `DynamoDB ${name} is not available offline (get, put and delete are)`);
    }, callback);
  };
}

class DocumentClient {
  constructor(options) {
    this.options = options || {};
  }

  get(params, callback) {
    return request(async () => {
      learn(params.TableName, Object.keys(params.Key || {}));
      const item = await channel.call('attributes.get', { key: storeKey(params.TableName, params.Key) });
      return item ? { Item: item } : {};
    }, callback);
  }

  put(params, callback) {
    return request(async () => {
      const key = storeKey(params.TableName, keyOfItem(params.TableName, params.Item));
      await channel.call('attributes.save', { key, value: params.Item });
      return {};
    }, callback);
  }

  delete(params, callback) {
    return request(async () => {
      learn(params.TableName, Object.keys(params.Key || {}));
      await channel.call('attributes.delete', { key: storeKey(params.TableName, params.Key) });
      return {};
    }, callback);
  }
}
for (const name of ['update', 'query', 'scan', 'batchGet', 'batchWrite', 'transactGet', 'transactWrite']) {
  DocumentClient.prototype[name] = unsupported(name);
}

class DynamoDB {
  constructor(options) {
    this.options = options || {};
  }

  createTable(params, callback) {
    return request(() => {
      learn(params.TableName, (params.KeySchema || []).map((k) => k.AttributeName));
      return { TableDescription: { TableName: params.TableName, TableStatus: 'ACTIVE' } };
    }, callback);
  }

  describeTable(params, callback) {
    return request(() => ({ Table: { TableName: params.TableName, TableStatus: 'ACTIVE' } }), callback);
  }
}
DynamoDB.DocumentClient = DocumentClient;

module.exports = DynamoDB;
