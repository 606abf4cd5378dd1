// FIFO queues of the SQS adapter driven by the AWS SDK for JavaScript, on SQLite and on
// Redis: creating one (name and FifoQueue together, as AWS requires), its attributes
// (defaults, changes, refusals), the 5-minute dedup window it gets, dead-letter queues of
// the same type only, and every refused send with AWS's error type.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { forEachStore, sqsClient, sqsQueueName } from './helpers.js';

/** The AWS error name of a refused promise. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).name;
  }
  throw new Error('the request was not refused');
}

const arn = (queue: string): string => `arn:aws:sqs:us-east-1:000000000000:${queue}`;

forEachStore('SQS FIFO queues over the AWS SDK', (server) => {
  let sqs: SQSClient;
  const client = (): SQSClient => (sqs ??= sqsClient(server()));
  const create = (QueueName: string, Attributes?: Record<string, string>): Promise<string> =>
    client().send(new CreateQueueCommand({ QueueName, ...(Attributes === undefined ? {} : { Attributes }) })).then((r) => r.QueueUrl as string);
  const attributes = async (QueueUrl: string, AttributeNames: string[] = ['All']): Promise<Record<string, string>> =>
    (await client().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: AttributeNames as never }))).Attributes ?? {};

  it('CreateQueue makes a FIFO queue from a .fifo name with FifoQueue=true, answers its attributes and keeps a 5-minute dedup window', async () => {
    const name = `${sqsQueueName()}.fifo`;
    const QueueUrl = await create(name, { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    assert.equal(QueueUrl, `${server().url}/000000000000/${name}`);
    const all = await attributes(QueueUrl);
    assert.deepEqual(
      [all.FifoQueue, all.ContentBasedDeduplication, all.DeduplicationScope, all.FifoThroughputLimit],
      ['true', 'true', 'queue', 'perQueue'],
    );
    assert.equal(await create(name, { FifoQueue: 'true', ContentBasedDeduplication: 'true', DeduplicationScope: 'queue' }), QueueUrl, 'idempotent with equal attributes');
    assert.equal(await refusal(create(name, { FifoQueue: 'true', ContentBasedDeduplication: 'false' })), 'QueueNameExists');
    await client().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId', ContentBasedDeduplication: 'false' } }));
    assert.deepEqual(await attributes(QueueUrl, ['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']), {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
    const config = (await (await fetch(`${server().url}/q/${name}/config`)).json()) as { dedup_window: number };
    assert.equal(config.dedup_window, 300);
    const standard = await create(sqsQueueName());
    assert.equal((await attributes(standard)).FifoQueue, undefined, 'a standard queue has no FIFO attributes');
  });

  it('CreateQueue, SetQueueAttributes and GetQueueAttributes refuse what AWS refuses for FIFO', async () => {
    const base = sqsQueueName();
    const cases: [string, Record<string, string> | undefined, string][] = [
      [`${base}.fifo`, undefined, 'InvalidParameterValue'],
      [`${base}-a`, { FifoQueue: 'true' }, 'InvalidAttributeName'],
      [`${base}.fifo`, { FifoQueue: 'false' }, 'InvalidAttributeName'],
      [`${base}.fifo`, { FifoQueue: 'yes' }, 'InvalidAttributeValue'],
      [`bad name.fifo`, { FifoQueue: 'true' }, 'InvalidParameterValue'],
      [`${'x'.repeat(76)}.fifo`, { FifoQueue: 'true' }, 'InvalidParameterValue'],
      [`${base}.fifo`, { FifoQueue: 'true', ContentBasedDeduplication: 'yes' }, 'InvalidAttributeValue'],
      [`${base}.fifo`, { FifoQueue: 'true', DeduplicationScope: 'group' }, 'InvalidAttributeValue'],
      [`${base}.fifo`, { FifoQueue: 'true', FifoThroughputLimit: 'perGroup' }, 'InvalidAttributeValue'],
      [`${base}-b`, { DeduplicationScope: 'queue' }, 'InvalidAttributeName'],
      [`${base}-c`, { FifoThroughputLimit: 'perQueue' }, 'InvalidAttributeName'],
    ];
    for (const [name, attrs, expected] of cases) assert.equal(await refusal(create(name, attrs)), expected, `${name} ${JSON.stringify(attrs)}`);
    assert.equal(await create(`${'x'.repeat(75)}.fifo`, { FifoQueue: 'true' }), `${server().url}/000000000000/${'x'.repeat(75)}.fifo`, '80 characters in all');
    const fifo = await create(`${base}.fifo`, { FifoQueue: 'true' });
    const standard = await create(`${base}-std`, { FifoQueue: 'false' });
    for (const [QueueUrl, Attributes] of [
      [fifo, { FifoQueue: 'true' }],
      [standard, { FifoQueue: 'true' }],
      [standard, { ContentBasedDeduplication: 'true' }],
    ] as const) {
      assert.equal(await refusal(client().send(new SetQueueAttributesCommand({ QueueUrl, Attributes }))), 'InvalidAttributeName', JSON.stringify(Attributes));
    }
    assert.equal(await refusal(attributes(standard, ['FifoQueue'])), 'InvalidAttributeName');
  });

  it('a FIFO queue dead-letters only into a FIFO queue, and a standard one only into a standard one', async () => {
    const base = sqsQueueName();
    const fifoDlq = `${base}-dlq.fifo`;
    await create(fifoDlq, { FifoQueue: 'true' });
    await create(`${base}-dlq`);
    const policy = (target: string): string => JSON.stringify({ deadLetterTargetArn: arn(target), maxReceiveCount: 3 });
    assert.equal(await refusal(create(`${base}.fifo`, { FifoQueue: 'true', RedrivePolicy: policy(`${base}-dlq`) })), 'InvalidParameterValue');
    assert.equal(await refusal(create(`${base}-std`, { RedrivePolicy: policy(fifoDlq) })), 'InvalidParameterValue');
    const QueueUrl = await create(`${base}.fifo`, { FifoQueue: 'true', RedrivePolicy: policy(fifoDlq) });
    const redrive = JSON.parse((await attributes(QueueUrl)).RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string };
    assert.equal(redrive.deadLetterTargetArn, arn(fifoDlq));
    assert.equal(await refusal(client().send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: policy(`${base}-dlq`) } }))), 'InvalidParameterValue');
  });

  it('SendMessage, SendMessageBatch and ReceiveMessage on a FIFO queue refuse what AWS refuses', async () => {
    const QueueUrl = await create(`${sqsQueueName()}.fifo`, { FifoQueue: 'true' });
    const send = (more: Record<string, unknown>): Promise<string> =>
      refusal(client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd', ...more })));
    assert.equal(await send({ MessageGroupId: undefined }), 'MissingParameter');
    assert.equal(await send({ MessageDeduplicationId: undefined }), 'InvalidParameterValue', 'no dedup id and no content-based dedup');
    assert.equal(await send({ DelaySeconds: 5 }), 'InvalidParameterValue', 'no per-message delay on FIFO');
    assert.equal(await send({ DelaySeconds: 0 }), 'InvalidParameterValue');
    for (const bad of ['g'.repeat(129), 'has space', 'é', '']) {
      assert.equal(await send({ MessageGroupId: bad }), 'InvalidParameterValue', `group ${bad}`);
      assert.equal(await send({ MessageDeduplicationId: bad }), 'InvalidParameterValue', `dedup ${bad}`);
    }
    const longest = await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageGroupId: 'g'.repeat(128), MessageDeduplicationId: `!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~${'d'.repeat(96)}` }));
    assert.match(longest.SequenceNumber ?? '', /^0{19}1$/);
    const batch = await client().send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'ok', MessageBody: 'b', MessageGroupId: 'g', MessageDeduplicationId: 'b' },
          { Id: 'nogroup', MessageBody: 'c', MessageDeduplicationId: 'c' },
          { Id: 'nodedup', MessageBody: 'd', MessageGroupId: 'g' },
          { Id: 'delay', MessageBody: 'e', MessageGroupId: 'g', MessageDeduplicationId: 'e', DelaySeconds: 1 },
        ],
      }),
    );
    assert.deepEqual(batch.Successful?.map((s) => [s.Id, s.SequenceNumber]), [['ok', '00000000000000000002']]);
    assert.deepEqual(
      batch.Failed?.map((f) => [f.Id, f.Code, f.SenderFault]).sort(),
      [['delay', 'InvalidParameterValue', true], ['nodedup', 'InvalidParameterValue', true], ['nogroup', 'MissingParameter', true]],
    );
    assert.equal(await refusal(client().send(new ReceiveMessageCommand({ QueueUrl, ReceiveRequestAttemptId: 'has space' }))), 'InvalidParameterValue');
    const got = await client().send(new ReceiveMessageCommand({ QueueUrl, ReceiveRequestAttemptId: 'attempt-1', MaxNumberOfMessages: 10 }));
    assert.deepEqual(got.Messages?.map((m) => m.Body), ['x', 'b']);
  });

  it("the queue's DelaySeconds applies to a FIFO queue's messages", async () => {
    const QueueUrl = await create(`${sqsQueueName()}.fifo`, { FifoQueue: 'true', ContentBasedDeduplication: 'true', DelaySeconds: '60' });
    await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', MessageGroupId: 'g' }));
    const counts = await attributes(QueueUrl, ['ApproximateNumberOfMessagesDelayed', 'ApproximateNumberOfMessages']);
    assert.deepEqual(counts, { ApproximateNumberOfMessagesDelayed: '1', ApproximateNumberOfMessages: '0' });
    assert.equal((await client().send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined);
  });
});
