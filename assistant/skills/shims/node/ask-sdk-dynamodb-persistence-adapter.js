'use strict';
// Stand-in for ask-sdk-dynamodb-persistence-adapter (v2): same exports and config; attributes live in the
// assistant's sqlite store under the partition key.

const channel = require('./_channel');

const PartitionKeyGenerators = channel.keyGenerators('PartitionKeyGenerators');

class DynamoDbPersistenceAdapter {
  constructor(config) {
    config = config || {};
    this.tableName = config.tableName;
    this.partitionKeyName = config.partitionKeyName ? config.partitionKeyName : 'id';
    this.attributesName = config.attributesName ? config.attributesName : 'attributes';
    this.createTable = config.createTable === true;
    this.dynamoDBClient = config.dynamoDBClient || null;
    this.partitionKeyGenerator = config.partitionKeyGenerator
      ? config.partitionKeyGenerator
      : PartitionKeyGenerators.userId;
  }

  async getAttributes(requestEnvelope) {
    const id = channel.checkedKey(this.constructor.name, this.partitionKeyGenerator(requestEnvelope));
    try {
      const value = await channel.call('attributes.get', { key: id });
      return value || {};
    } catch (err) {
      throw channel.sdkError(this.constructor.name, `Could not read item (${id}) from table (${this.tableName}): ${err.message}`);
    }
  }

  async saveAttributes(requestEnvelope, attributes) {
    const id = channel.checkedKey(this.constructor.name, this.partitionKeyGenerator(requestEnvelope));
    try {
      await channel.call('attributes.save', { key: id, value: attributes });
    } catch (err) {
      throw channel.sdkError(this.constructor.name, `Could not save item (${id}) to table (${this.tableName}): ${err.message}`);
    }
  }

  async deleteAttributes(requestEnvelope) {
    const id = channel.checkedKey(this.constructor.name, this.partitionKeyGenerator(requestEnvelope));
    try {
      await channel.call('attributes.delete', { key: id });
    } catch (err) {
      throw channel.sdkError(this.constructor.name, `Could not delete item (${id}) from table (${this.tableName}): ${err.message}`);
    }
  }
}

module.exports = { DynamoDbPersistenceAdapter, PartitionKeyGenerators };
