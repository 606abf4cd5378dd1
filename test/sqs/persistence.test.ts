// Queue attributes RestMQ has no setting for (ReceiveMessageWaitTimeSeconds,
// MaximumMessageSize, Policy) and tags are kept in the store beside the queue's settings:
// they survive a restart of the daemon (SQLite) and are shared by two daemons on one Redis,
// driven by the AWS SDK over real sockets. Also the 64 KiB bound on what a queue keeps, and
// the check of stored text on read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListQueueTagsCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { MAX_QUEUE_EXTRA_BYTES } from '../../src/core/types.js';
import { parseExtras } from '../../src/sqs/queue-extras.js';
import { startRedis } from '../support/redis.js';
import { startTestServer, tempDir } from '../support/server.js';
import { sqsClient, sqsQueueName, until } from './helpers.js';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [] });

/** Creates a queue with extras on `sqs` and changes them once each way; answers its URL. */
async function setUp(sqs: SQSClient): Promise<string> {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: sqsQueueName(), Attributes: { ReceiveMessageWaitTimeSeconds: '3', MaximumMessageSize: '2048', Policy: POLICY }, tags: { team: 'a', tier: '1' } }),
  );
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { MaximumMessageSize: '1024', VisibilityTimeout: '45' } }));
  await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { env: 'test' } }));
  await sqs.send(new UntagQueueCommand({ QueueUrl, TagKeys: ['tier'] }));
  return QueueUrl as string;
}

/** Checks what {@link setUp} left, through `sqs`, including that MaximumMessageSize is enforced. */
async function check(sqs: SQSClient, QueueUrl: string): Promise<void> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  assert.equal(Attributes?.ReceiveMessageWaitTimeSeconds, '3');
  assert.equal(Attributes?.MaximumMessageSize, '1024');
  assert.equal(Attributes?.Policy, POLICY);
  assert.equal(Attributes?.VisibilityTimeout, '45');
  assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { team: 'a', env: 'test' });
  await assert.rejects(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(1500) })), { name: 'InvalidParameterValue' });
}

describe('SQS queue attributes and tags in the store', () => {
  it('survive a restart of the daemon (SQLite)', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    let QueueUrl: string;
    try {
      QueueUrl = await setUp(sqsClient(first));
    } finally {
      await first.close();
    }
    const second = await startTestServer({ dataDir });
    try {
      // The URL names the first daemon's port: the queue is the path's.
      await check(sqsClient(second), QueueUrl.replace(first.url, second.url));
    } finally {
      await second.stop();
    }
  });

  it('are shared by two daemons on one Redis, a change of the size limit reaching the other daemon within a second', async () => {
    const redis = await startRedis();
    const a = await startTestServer({ redisUrl: redis.url });
    const b = await startTestServer({ redisUrl: redis.url });
    try {
      const sqsA = sqsClient(a);
      const sqsB = sqsClient(b);
      const urlA = await setUp(sqsA);
      const urlB = urlA.replace(a.url, b.url);
      await check(sqsB, urlB);
      // b now remembers the limit of 1024; a raises it and b follows.
      await sqsA.send(new SetQueueAttributesCommand({ QueueUrl: urlA, Attributes: { MaximumMessageSize: '4096' } }));
      await until('the other daemon to take the new MaximumMessageSize', async () => {
        try {
          await sqsB.send(new SendMessageCommand({ QueueUrl: urlB, MessageBody: 'x'.repeat(1500) }));
          return true;
        } catch {
          return false;
        }
      }, 5000);
      await sqsB.send(new UntagQueueCommand({ QueueUrl: urlB, TagKeys: ['team'] }));
      assert.deepEqual((await sqsA.send(new ListQueueTagsCommand({ QueueUrl: urlA }))).Tags, { env: 'test' });
    } finally {
      await a.stop();
      await b.stop();
      await redis.stop();
    }
  });

  it(`refuses attributes and tags beyond ${MAX_QUEUE_EXTRA_BYTES} bytes per queue, keeping the earlier ones`, async () => {
    const server = await startTestServer();
    try {
      const sqs = sqsClient(server);
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: sqsQueueName(), Attributes: { Policy: POLICY } }));
      const big = JSON.stringify({ Statement: 'x'.repeat(MAX_QUEUE_EXTRA_BYTES) });
      await assert.rejects(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: big } })), { name: 'InvalidAttributeValue' });
      await assert.rejects(sqs.send(new CreateQueueCommand({ QueueName: sqsQueueName(), Attributes: { Policy: big } })), { name: 'InvalidAttributeValue' });
      assert.equal((await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }))).Attributes?.Policy, POLICY);
      // Just under the bound is kept.
      const fits = 'y'.repeat(MAX_QUEUE_EXTRA_BYTES - 200);
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: fits } }));
      assert.equal((await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }))).Attributes?.Policy, fits);
    } finally {
      await server.stop();
    }
  });

  it('reads stored text that is not the adapter\'s as no attributes and no tags', () => {
    for (const text of [null, '', 'not json', '[]', '7', '{"attributes":{"A":1},"tags":"x"}', '{"attributes":[],"tags":{"t":null}}']) {
      assert.deepEqual(parseExtras(text), { attributes: {}, tags: {} }, String(text));
    }
    assert.deepEqual(parseExtras('{"attributes":{"Policy":"p"},"tags":{"t":"v"},"later":1}'), { attributes: { Policy: 'p' }, tags: { t: 'v' } });
  });
});
