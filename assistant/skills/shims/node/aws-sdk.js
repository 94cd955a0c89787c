'use strict';
// Stand-in for aws-sdk (v2): DynamoDB and DynamoDB.DocumentClient are the offline ones in aws-sdk-dynamodb.js;
// everything else comes from the skill's own aws-sdk when it has one (Lambda used to provide it).

const channel = require('./_channel');
const DynamoDB = require('./aws-sdk-dynamodb');

let real;
function realSdk() {
  if (real === undefined) real = channel.realRequire('aws-sdk');
  return real;
}

// Skills often call AWS.config.update({region}) at load time; without a real aws-sdk that must still work.
const offlineConfig = {
  region: 'us-east-1',
  update(options) {
    Object.assign(this, options || {});
  },
};

module.exports = new Proxy(
  { DynamoDB },
  {
    get(target, name) {
      if (name in target) return target[name];
      const sdk = realSdk();
      if (sdk) return sdk[name];
      if (name === 'config') return offlineConfig;
      if (typeof name !== 'string' || !/^[A-Z]/.test(name)) return undefined;
      // A service class: loading the skill works, using the service says why it cannot.
      return function unavailableService() {
        throw new Error(`aws-sdk.${name} is not available offline: the skill has no aws-sdk installed ` +
          '(the assistant provides only DynamoDB)');
      };
    },
  },
);
