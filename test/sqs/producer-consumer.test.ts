// sqs-producer and sqs-consumer, unmodified, moving messages through RestMQ end to end on
// SQLite and on Redis: every message sent is handled exactly once and the queue ends empty.
// The consumer uses the queue URL as its endpoint (its default), so requests arrive on
// `/<account-id>/<queue>` rather than `/`.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { Producer } from 'sqs-producer';
import { forEachStore, sqsClient, sqsQueueName, until } from './helpers.js';

const MESSAGES = 200;

forEachStore('sqs-producer to sqs-consumer', (server) => {
  it(`moves ${MESSAGES} messages with nothing lost or duplicated`, async () => {
    const sqs = sqsClient(server());
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: sqsQueueName() }));
    const queueUrl = QueueUrl as string;
    const producer = Producer.create({ queueUrl, sqs, batchSize: 10 });
    const bodies = Array.from({ length: MESSAGES }, (_, i) => ({ id: `m${i}`, body: `message ${i}` }));
    const results = await producer.send(bodies);
    assert.equal(results.length, MESSAGES);

    const seen = new Map<string, number>();
    const errors: Error[] = [];
    const consumer = Consumer.create({
      queueUrl,
      sqs,
      batchSize: 10,
      waitTimeSeconds: 1,
      handleMessage: async (message) => {
        seen.set(message.Body ?? '', (seen.get(message.Body ?? '') ?? 0) + 1);
        return Promise.resolve(message);
      },
    });
    consumer.on('error', (err) => errors.push(err));
    consumer.on('processing_error', (err) => errors.push(err));
    consumer.start();
    try {
      await until('every message to be handled', () => seen.size === MESSAGES, 30_000);
      await until('the queue to be empty', async () => {
        const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
        return Attributes?.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0';
      });
    } finally {
      consumer.stop({ abort: true });
    }
    assert.deepEqual(errors, []);
    assert.deepEqual([...seen.values()].filter((n) => n !== 1), [], 'no message was handled twice');
    assert.deepEqual([...seen.keys()].sort(), bodies.map((b) => b.body).sort());
  });
});
