'use strict';
// Stand-in for ask-sdk-s3-persistence-adapter (v2): same exports and config; attributes live in the assistant's
// sqlite store under pathPrefix/objectKey.

const path = require('path');
const channel = require('./_channel');

const generators = channel.keyGenerators('PartitionKeyGenerators');
const ObjectKeyGenerators = { userId: generators.userId, deviceId: generators.deviceId };

class S3PersistenceAdapter {
  constructor(config) {
    config = config || {};
    this.bucketName = config.bucketName;
    this.s3Client = config.s3Client || null;
    this.objectKeyGenerator = config.objectKeyGenerator ? config.objectKeyGenerator : ObjectKeyGenerators.userId;
    this.pathPrefix = config.pathPrefix ? config.pathPrefix : '';
  }

  objectId(requestEnvelope) {
    return path.join(this.pathPrefix, channel.checkedKey(this.constructor.name, this.objectKeyGenerator(requestEnvelope)));
  }

  async getAttributes(requestEnvelope) {
    const id = this.objectId(requestEnvelope);
    try {
      const value = await channel.call('attributes.get', { key: id });
      return value || {};
    } catch (err) {
      throw channel.sdkError(this.constructor.name, `Could not read item (${id}) from bucket (${this.bucketName}): ${err.message}`);
    }
  }

  async saveAttributes(requestEnvelope, attributes) {
    const id = this.objectId(requestEnvelope);
    try {
      await channel.call('attributes.save', { key: id, value: attributes });
    } catch (err) {
      throw channel.sdkError(this.constructor.name, `Could not save item (${id}) to bucket (${this.bucketName}): ${err.message}`);
    }
  }

  async deleteAttributes(requestEnvelope) {
    const id = this.objectId(requestEnvelope);
    try {
      await channel.call('attributes.delete', { key: id });
    } catch (err) {
      throw channel.sdkError(this.constructor.name, `Could not delete item (${id}) from bucket (${this.bucketName}): ${err.message}`);
    }
  }
}

module.exports = { S3PersistenceAdapter, ObjectKeyGenerators };
