'use strict';
// The link from the persistence stand-ins to the worker's channel; node_bridge.js installs it.

let link = null;

function install(value) {
  link = value;
}

function required() {
  if (!link) {
    throw new Error("the assistant's persistence stand-in is used outside a skill worker; run the skill with the assistant");
  }
  return link;
}

/** Ask the assistant (attributes.get / save / delete); resolves to its answer. */
function call(op, payload) {
  return required().call(op, payload);
}

/** The real module of that name as the skill would have found it, or null when the skill does not have it. */
function realRequire(name) {
  return required().realRequire(name);
}

/** An error as ask-sdk-core's createAskSdkError makes it: the scope is the error's name. */
function sdkError(scope, message) {
  const error = new Error(message);
  error.name = scope;
  return error;
}

function checkedKey(scope, key) {
  if (typeof key !== 'string' || !key) {
    throw sdkError(scope, `the attributes key must be a non-empty string, got ${JSON.stringify(key)}`);
  }
  return key;
}

/** The user id, device id and person id key generators both adapters share. */
function keyGenerators(scope) {
  const system = (envelope) => (envelope && envelope.context && envelope.context.System) || {};
  const generators = {
    userId(envelope) {
      const user = system(envelope).user;
      if (!(user && user.userId)) throw sdkError(scope, 'Cannot retrieve user id from request envelope!');
      return user.userId;
    },
    deviceId(envelope) {
      const device = system(envelope).device;
      if (!(device && device.deviceId)) throw sdkError(scope, 'Cannot retrieve device id from request envelope!');
      return device.deviceId;
    },
    personId(envelope) {
      const person = system(envelope).person;
      return person && person.personId ? person.personId : generators.userId(envelope);
    },
  };
  return generators;
}

module.exports = { install, call, realRequire, sdkError, checkedKey, keyGenerators };
