// The queue actions of the SQS adapter driven by the current AWS SDK for JavaScript
// (@aws-sdk/client-sqs, JSON 1.0 protocol) over a real socket, on SQLite and on Redis:
// create (idempotent, refused with other attributes), look-up, listing with prefix and
// paging, attributes and their refusals, tags, purge and delete.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  AddPermissionCommand,
  CancelMessageMoveTaskCommand,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  RemovePermissionCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  StartMessageMoveTaskCommand,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { forEachStore, sqsClient, sqsQueueName } from './helpers.js';

/** The AWS error name and status of a refused promise. */
async function refusal(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('the request was not refused');
}

forEachStore('SQS queue actions over the AWS SDK', (server) => {
  let sqs: SQSClient;
  const client = (): SQSClient => (sqs ??= sqsClient(server()));

  it('CreateQueue answers the queue URL, again with equal attributes, and refuses other attributes', async () => {
    const name = sqsQueueName();
    const created = await client().send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '45', DelaySeconds: '2' } }));
    assert.equal(created.QueueUrl, `${server().url}/000000000000/${name}`);
    const again = await client().send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '45' } }));
    assert.equal(again.QueueUrl, created.QueueUrl);
    const other = await refusal(client().send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '46' } })));
    assert.equal(other.name, 'QueueNameExists');
    assert.equal(other.status, 400);
  });

  it('CreateQueue refuses bad names and attributes with AWS error types', async () => {
    for (const QueueName of ['', 'a b', 'x'.repeat(81), 'semi;colon']) {
      assert.equal((await refusal(client().send(new CreateQueueCommand({ QueueName })))).name, 'InvalidParameterValue', QueueName);
    }
    const cases: [Record<string, string>, string][] = [
      [{ VisibilityTimeout: '43201' }, 'InvalidAttributeValue'],
      [{ DelaySeconds: '901' }, 'InvalidAttributeValue'],
      [{ MessageRetentionPeriod: '59' }, 'InvalidAttributeValue'],
      [{ MaximumMessageSize: '1023' }, 'InvalidAttributeValue'],
      [{ ReceiveMessageWaitTimeSeconds: '21' }, 'InvalidAttributeValue'],
      [{ RedrivePolicy: '{"maxReceiveCount":3}' }, 'InvalidAttributeValue'],
      [{ RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:d","maxReceiveCount":0}' }, 'InvalidAttributeValue'],
      [{ RedrivePolicy: 'not json' }, 'InvalidAttributeValue'],
      [{ Bogus: '1' }, 'InvalidAttributeName'],
      [{ FifoQueue: 'true' }, 'InvalidAttributeName'],
      [{ ContentBasedDeduplication: 'true' }, 'InvalidAttributeName'],
    ];
    for (const [Attributes, expected] of cases) {
      const got = await refusal(client().send(new CreateQueueCommand({ QueueName: sqsQueueName(), Attributes })));
      assert.equal(got.name, expected, JSON.stringify(Attributes));
    }
    assert.equal((await refusal(client().send(new CreateQueueCommand({ QueueName: 'x.fifo' })))).name, 'InvalidParameterValue', 'a .fifo name needs FifoQueue');
  });

  it('GetQueueUrl finds a queue, including one RestMQ routes made, and refuses an unknown one', async () => {
    const name = sqsQueueName();
    await fetch(`${server().url}/q/${name}`, { method: 'POST', body: new URLSearchParams({ value: 'from RestMQ' }) });
    const got = await client().send(new GetQueueUrlCommand({ QueueName: name }));
    assert.equal(got.QueueUrl, `${server().url}/000000000000/${name}`);
    const missing = await refusal(client().send(new GetQueueUrlCommand({ QueueName: sqsQueueName() })));
    assert.equal(missing.name, 'QueueDoesNotExist');
    assert.equal(missing.status, 400);
  });

  it('ListQueues filters by prefix and pages with MaxResults and NextToken', async () => {
    const prefix = sqsQueueName('list');
    const names = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
    for (const QueueName of names) await client().send(new CreateQueueCommand({ QueueName }));
    const all = await client().send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    assert.deepEqual(all.QueueUrls, names.map((n) => `${server().url}/000000000000/${n}`));
    assert.equal(all.NextToken, undefined);
    const first = await client().send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2 }));
    assert.equal(first.QueueUrls?.length, 2);
    assert.ok(first.NextToken);
    const second = await client().send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2, NextToken: first.NextToken }));
    assert.deepEqual(second.QueueUrls, [`${server().url}/000000000000/${names[2]}`]);
    assert.equal(second.NextToken, undefined);
    const none = await client().send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-zzz` }));
    assert.equal(none.QueueUrls, undefined);
    assert.equal((await refusal(client().send(new ListQueuesCommand({ MaxResults: 1001 })))).name, 'InvalidParameterValue');
  });

  it('GetQueueAttributes reports settings and counts from the store; SetQueueAttributes changes RestMQ settings', async () => {
    const name = sqsQueueName();
    const { QueueUrl } = await client().send(new CreateQueueCommand({ QueueName: name }));
    await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'one' }));
    await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 60 }));
    const { Attributes } = await client().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    assert.equal(Attributes?.QueueArn, `arn:aws:sqs:us-east-1:000000000000:${name}`);
    assert.equal(Attributes?.ApproximateNumberOfMessages, '1');
    assert.equal(Attributes?.ApproximateNumberOfMessagesDelayed, '1');
    assert.equal(Attributes?.ApproximateNumberOfMessagesNotVisible, '0');
    assert.equal(Attributes?.VisibilityTimeout, '30');
    assert.equal(Attributes?.MessageRetentionPeriod, '345600');
    assert.equal(Attributes?.RedrivePolicy, undefined);
    assert.ok(Math.abs(Number(Attributes?.CreatedTimestamp) - Date.now() / 1000) < 60);

    const dlq = `${name}-dlq`;
    await client().send(new CreateQueueCommand({ QueueName: dlq }));
    const RedrivePolicy = JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${dlq}`, maxReceiveCount: 3 });
    await client().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '90', DelaySeconds: '5', MessageRetentionPeriod: '600', RedrivePolicy } }));
    const config = (await (await fetch(`${server().url}/q/${name}/config`)).json()) as Record<string, unknown>;
    assert.equal(config.lease, 90);
    assert.equal(config.delay, 5);
    assert.equal(config.ttl, 600);
    assert.equal(config.max_attempts, 3);
    assert.equal(config.dead_letter, dlq);
    const some = await client().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'] }));
    assert.deepEqual(some.Attributes, { VisibilityTimeout: '90', RedrivePolicy });

    assert.equal((await refusal(client().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Nope' as 'All'] })))).name, 'InvalidAttributeName');
    assert.equal((await refusal(client().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '-1' } })))).name, 'InvalidAttributeValue');
    const gone = `${server().url}/000000000000/${sqsQueueName()}`;
    assert.equal((await refusal(client().send(new GetQueueAttributesCommand({ QueueUrl: gone, AttributeNames: ['All'] })))).name, 'QueueDoesNotExist');
  });

  it('TagQueue, UntagQueue and ListQueueTags keep tags per queue', async () => {
    const { QueueUrl } = await client().send(new CreateQueueCommand({ QueueName: sqsQueueName(), tags: { team: 'a' } }));
    await client().send(new TagQueueCommand({ QueueUrl, Tags: { env: 'test', tier: '1' } }));
    await client().send(new UntagQueueCommand({ QueueUrl, TagKeys: ['tier'] }));
    assert.deepEqual((await client().send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { team: 'a', env: 'test' });
  });

  it('move tasks refuse what they do not support; CancelMessageMoveTask answers the moved count; permissions belong to the ACL', async () => {
    const name = sqsQueueName();
    await client().send(new CreateQueueCommand({ QueueName: name }));
    const SourceArn = `arn:aws:sqs:us-east-1:000000000000:${name}`;
    assert.equal((await refusal(client().send(new StartMessageMoveTaskCommand({ SourceArn, DestinationArn: `${SourceArn}-other` })))).name, 'UnsupportedOperation');
    assert.equal((await refusal(client().send(new StartMessageMoveTaskCommand({ SourceArn: `${SourceArn}-missing` })))).name, 'ResourceNotFoundException');
    assert.equal((await refusal(client().send(new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:us-east-1:999999999999:x' })))).name, 'InvalidParameterValue');
    assert.equal((await refusal(client().send(new ListMessageMoveTasksCommand({ SourceArn, MaxResults: 11 })))).name, 'InvalidParameterValue');
    const { TaskHandle } = await client().send(new StartMessageMoveTaskCommand({ SourceArn }));
    const cancelled = await client().send(new CancelMessageMoveTaskCommand({ TaskHandle }));
    assert.equal(cancelled.ApproximateNumberOfMessagesMoved, 0);
    assert.equal((await refusal(client().send(new CancelMessageMoveTaskCommand({ TaskHandle: 'nope' })))).name, 'ResourceNotFoundException');
    const QueueUrl = `${server().url}/000000000000/${name}`;
    assert.equal((await refusal(client().send(new AddPermissionCommand({ QueueUrl, Label: 'l', AWSAccountIds: ['111111111111'], Actions: ['SendMessage'] })))).name, 'UnsupportedOperation');
    assert.equal((await refusal(client().send(new RemovePermissionCommand({ QueueUrl, Label: 'l' })))).name, 'UnsupportedOperation');
  });

  it('PurgeQueue empties a queue and DeleteQueue removes it', async () => {
    const name = sqsQueueName();
    const { QueueUrl } = await client().send(new CreateQueueCommand({ QueueName: name }));
    await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    await client().send(new PurgeQueueCommand({ QueueUrl }));
    const { Attributes } = await client().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    assert.equal(Attributes?.ApproximateNumberOfMessages, '0');
    await client().send(new DeleteQueueCommand({ QueueUrl }));
    assert.equal((await refusal(client().send(new GetQueueUrlCommand({ QueueName: name })))).name, 'QueueDoesNotExist');
    assert.equal((await refusal(client().send(new PurgeQueueCommand({ QueueUrl })))).name, 'QueueDoesNotExist');
  });
});
