// The message actions of the SQS adapter driven by the AWS SDK for JavaScript (which
// checks MD5OfMessageBody and MD5OfBody itself) on SQLite and on Redis: send and batch
// send with per-entry failures, receive with system attributes, long polling woken by a
// send, visibility expiry and redelivery, release with visibility 0, delete and batch
// delete, dead-lettering and the move back, and a queue shared with RestMQ's own routes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { forEachStore, sqsClient, sqsQueueName, stringAttributeDigest, until } from './helpers.js';

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).name;
  }
  throw new Error('the request was not refused');
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

forEachStore('SQS message actions over the AWS SDK', (server) => {
  let sqs: SQSClient;
  const client = (): SQSClient => (sqs ??= sqsClient(server()));
  const newQueue = async (Attributes?: Record<string, string>, name = sqsQueueName()): Promise<string> =>
    (await client().send(new CreateQueueCommand({ QueueName: name, ...(Attributes === undefined ? {} : { Attributes }) }))).QueueUrl as string;
  const receive = async (QueueUrl: string, more: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {}): Promise<Message[]> =>
    (await client().send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, ...more }))).Messages ?? [];

  it('SendMessage answers the key as MessageId and the body MD5; ReceiveMessage leases it with system attributes', async () => {
    const QueueUrl = await newQueue();
    const body = 'héllo wörld ✓ 𝄞';
    const sent = await client().send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    assert.equal(sent.MD5OfMessageBody, md5(body));
    assert.match(sent.MessageId ?? '', /:1$/);
    const [m] = await receive(QueueUrl, { MessageSystemAttributeNames: ['All'] });
    assert.equal(m?.Body, body);
    assert.equal(m?.MD5OfBody, md5(body));
    assert.equal(m?.MessageId, sent.MessageId);
    assert.equal(m?.Attributes?.ApproximateReceiveCount, '1');
    assert.ok(Math.abs(Number(m?.Attributes?.SentTimestamp) - Date.now()) < 60_000);
    const firstReceive = Number(m?.Attributes?.ApproximateFirstReceiveTimestamp);
    assert.ok(firstReceive >= Number(m?.Attributes?.SentTimestamp) && firstReceive <= Date.now(), 'the first receive is stored with the message');
    assert.deepEqual(await receive(QueueUrl), [], 'a leased message is invisible');
    await client().send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m?.ReceiptHandle }));
    const { Attributes } = await client().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    assert.equal(Attributes?.ApproximateNumberOfMessages, '0');
    assert.equal(Attributes?.ApproximateNumberOfMessagesNotVisible, '0');
  });

  it('SendMessage refuses what SQS refuses', async () => {
    const QueueUrl = await newQueue({ MaximumMessageSize: '1024' });
    assert.equal(await refusal(client().send(new SendMessageCommand({ QueueUrl, MessageBody: '' }))), 'MissingParameter');
    assert.equal(await refusal(client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(1025) }))), 'InvalidParameterValue');
    assert.equal(await refusal(client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'bell \u0007' }))), 'InvalidMessageContents');
    assert.equal(await refusal(client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', DelaySeconds: 901 }))), 'InvalidParameterValue');
    assert.equal(await refusal(client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageDeduplicationId: 'd' }))), 'InvalidParameterValue');
    assert.equal(await refusal(client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageGroupId: 'has space' }))), 'InvalidParameterValue');
    const wrongAccount = QueueUrl.replace('000000000000', '111111111111');
    assert.equal(await refusal(client().send(new SendMessageCommand({ QueueUrl: wrongAccount, MessageBody: 'x' }))), 'QueueDoesNotExist');
    assert.equal((await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(1024) }))).MD5OfMessageBody, md5('x'.repeat(1024)));
  });

  it('SendMessageBatch stores the good entries and reports each bad one; whole-batch refusals use AWS types', async () => {
    const QueueUrl = await newQueue();
    const got = await client().send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'first' },
          { Id: 'b', MessageBody: 'bad \u0000' },
          { Id: 'c', MessageBody: 'third', DelaySeconds: 0 },
        ],
      }),
    );
    assert.deepEqual(got.Successful?.map((s) => [s.Id, s.MD5OfMessageBody]), [['a', md5('first')], ['c', md5('third')]]);
    assert.deepEqual(got.Failed?.map((f) => [f.Id, f.Code, f.SenderFault]), [['b', 'InvalidMessageContents', true]]);
    assert.deepEqual((await receive(QueueUrl)).map((m) => m.Body), ['first', 'third']);

    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, MessageBody: `m${i}` }));
    assert.equal(await refusal(client().send(new SendMessageBatchCommand({ QueueUrl, Entries: [] }))), 'EmptyBatchRequest');
    assert.equal(await refusal(client().send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(11) }))), 'TooManyEntriesInBatchRequest');
    assert.equal(await refusal(client().send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'x', MessageBody: '1' }, { Id: 'x', MessageBody: '2' }] }))), 'BatchEntryIdsNotDistinct');
    assert.equal(await refusal(client().send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'no spaces', MessageBody: '1' }] }))), 'InvalidBatchEntryId');
    const big = Array.from({ length: 5 }, (_, i) => ({ Id: `b${i}`, MessageBody: 'x'.repeat(250_000) }));
    assert.equal(await refusal(client().send(new SendMessageBatchCommand({ QueueUrl, Entries: big }))), 'BatchRequestTooLong');
    const ten = await client().send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(10) }));
    assert.equal(ten.Successful?.length, 10);
  });

  it('ReceiveMessage gives at most 10 and checks its parameters', async () => {
    const QueueUrl = await newQueue();
    for (let i = 0; i < 2; i++) {
      await client().send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 10 }, (_, j) => ({ Id: `e${j}`, MessageBody: `m${i}-${j}` })) }));
    }
    assert.equal((await receive(QueueUrl)).length, 10);
    assert.equal(await refusal(receive(QueueUrl, { MaxNumberOfMessages: 11 })), 'InvalidParameterValue');
    assert.equal(await refusal(receive(QueueUrl, { MaxNumberOfMessages: 0 })), 'InvalidParameterValue');
    assert.equal(await refusal(receive(QueueUrl, { WaitTimeSeconds: 21 })), 'InvalidParameterValue');
    assert.equal(await refusal(receive(QueueUrl, { VisibilityTimeout: 43_201 })), 'InvalidParameterValue');
    assert.equal(await refusal(receive(QueueUrl, { AttributeNames: ['Nope' as 'All'] })), 'InvalidAttributeName');
  });

  it('a long poll (WaitTimeSeconds) is answered by a send, and an empty one after its wait', async () => {
    const QueueUrl = await newQueue();
    const queue = QueueUrl.split('/').pop() as string;
    const started = Date.now();
    const poll = receive(QueueUrl, { WaitTimeSeconds: 10 });
    await until('the poll to park', () => server().broker.waiting(queue) === 1);
    await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'wake' }));
    assert.deepEqual((await poll).map((m) => m.Body), ['wake']);
    assert.ok(Date.now() - started < 5000);
    const emptyStart = Date.now();
    assert.deepEqual(await receive(QueueUrl, { WaitTimeSeconds: 1 }), []);
    assert.ok(Date.now() - emptyStart >= 900);
  });

  it('a message whose visibility timeout runs out is received again with a higher receive count', async () => {
    const QueueUrl = await newQueue();
    await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'again' }));
    const [first] = await receive(QueueUrl, { VisibilityTimeout: 1 });
    assert.equal(first?.Body, 'again');
    const [second] = await receive(QueueUrl, { WaitTimeSeconds: 5, MessageSystemAttributeNames: ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'] });
    assert.equal(second?.Body, 'again');
    assert.equal(second?.Attributes?.ApproximateReceiveCount, '2');
    const firstAt = Number(second?.Attributes?.ApproximateFirstReceiveTimestamp);
    assert.ok(firstAt > 0 && Date.now() - firstAt >= 900, 'the redelivery answers the time of the first receive, a second or more ago');
    // The first handle is stale: deleting with it succeeds (as in SQS) but deletes nothing.
    await client().send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first?.ReceiptHandle }));
    assert.equal(await refusal(client().send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first?.ReceiptHandle, VisibilityTimeout: 5 }))), 'ReceiptHandleIsInvalid');
    await client().send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: second?.ReceiptHandle }));
    assert.deepEqual(await receive(QueueUrl), []);
  });

  it('ChangeMessageVisibility 0 releases a message at once; a batch extends and releases per entry', async () => {
    const QueueUrl = await newQueue();
    await client().send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'A' }, { Id: 'b', MessageBody: 'B' }] }));
    const [a, b] = await receive(QueueUrl);
    await client().send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: a?.ReceiptHandle, VisibilityTimeout: 0 }));
    const [again] = await receive(QueueUrl);
    assert.equal(again?.Body, 'A');
    const batch = await client().send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', ReceiptHandle: again?.ReceiptHandle, VisibilityTimeout: 0 },
          { Id: 'b', ReceiptHandle: b?.ReceiptHandle, VisibilityTimeout: 600 },
          { Id: 'bad', ReceiptHandle: 'not-a-handle', VisibilityTimeout: 0 },
        ],
      }),
    );
    assert.deepEqual(batch.Successful?.map((s) => s.Id).sort(), ['a', 'b']);
    assert.deepEqual(batch.Failed?.map((f) => [f.Id, f.Code]), [['bad', 'ReceiptHandleIsInvalid']]);
    assert.deepEqual((await receive(QueueUrl)).map((m) => m.Body), ['A']);
  });

  it('DeleteMessageBatch deletes per entry and reports bad handles; DeleteMessage refuses a handle of another queue', async () => {
    const QueueUrl = await newQueue();
    const other = await newQueue();
    await client().send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'A' }, { Id: 'b', MessageBody: 'B' }] }));
    const [a, b] = await receive(QueueUrl);
    assert.equal(await refusal(client().send(new DeleteMessageCommand({ QueueUrl: other, ReceiptHandle: a?.ReceiptHandle }))), 'ReceiptHandleIsInvalid');
    const got = await client().send(
      new DeleteMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', ReceiptHandle: a?.ReceiptHandle }, { Id: 'b', ReceiptHandle: b?.ReceiptHandle }, { Id: 'c', ReceiptHandle: '%%' }] }),
    );
    assert.deepEqual(got.Successful?.map((s) => s.Id).sort(), ['a', 'b']);
    assert.deepEqual(got.Failed?.map((f) => [f.Id, f.Code, f.SenderFault]), [['c', 'ReceiptHandleIsInvalid', true]]);
    const { Attributes } = await client().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    assert.equal(Attributes?.ApproximateNumberOfMessagesNotVisible, '0');
    assert.equal(Attributes?.ApproximateNumberOfMessages, '0');
  });

  it('RedrivePolicy dead-letters after maxReceiveCount; a move task brings the message back', async () => {
    const name = sqsQueueName();
    const dlqUrl = await newQueue(undefined, `${name}-dlq`);
    const dlqArn = `arn:aws:sqs:us-east-1:000000000000:${name}-dlq`;
    const QueueUrl = await newQueue({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) }, name);
    await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
    const [m] = await receive(QueueUrl);
    await client().send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m?.ReceiptHandle, VisibilityTimeout: 0 }));
    const [dead] = await receive(dlqUrl, { WaitTimeSeconds: 5, MessageSystemAttributeNames: ['DeadLetterQueueSourceArn'] });
    assert.equal(dead?.Body, 'poison');
    assert.equal(dead?.Attributes?.DeadLetterQueueSourceArn, `arn:aws:sqs:us-east-1:000000000000:${name}`);
    const sources = await client().send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
    assert.deepEqual(sources.queueUrls, [QueueUrl]);
    await client().send(new ChangeMessageVisibilityCommand({ QueueUrl: dlqUrl, ReceiptHandle: dead?.ReceiptHandle, VisibilityTimeout: 0 }));
    const { TaskHandle } = await client().send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    assert.ok(TaskHandle);
    await until('the move task to finish', async () => {
      const { Results } = await client().send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
      return Results?.[0]?.Status === 'COMPLETED';
    });
    const { Results } = await client().send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    assert.equal(Results?.[0]?.ApproximateNumberOfMessagesMoved, 1);
    assert.deepEqual((await receive(QueueUrl)).map((x) => x.Body), ['poison']);
  });

  it('message attributes are stored with the message, selected on receive, kept through dead-lettering, and hidden from RestMQ routes', async () => {
    const name = sqsQueueName();
    const dlq = await newQueue(undefined, `${name}-dlq`);
    const QueueUrl = await newQueue({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${name}-dlq`, maxReceiveCount: 1 }) }, name);
    const MessageAttributes = {
      'trace.id': { DataType: 'String', StringValue: 'abc' },
      'trace.span': { DataType: 'Number', StringValue: '7' },
      raw: { DataType: 'Binary.png', BinaryValue: new Uint8Array([137, 80, 78, 71]) },
    };
    const sent = await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'with attributes', MessageAttributes }));
    assert.match(sent.MD5OfMessageAttributes ?? '', /^[0-9a-f]{32}$/);
    const [all] = await receive(QueueUrl, { MessageAttributeNames: ['All'], VisibilityTimeout: 0 });
    assert.equal(all?.Body, 'with attributes');
    assert.deepEqual(all?.MessageAttributes?.['trace.id'], { DataType: 'String', StringValue: 'abc' });
    assert.deepEqual([...(all?.MessageAttributes?.raw?.BinaryValue ?? [])], [137, 80, 78, 71]);
    assert.equal(all?.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
    // Released at once (visibility 0), it went to the dead-letter queue with its attributes.
    const [dead] = await receive(dlq, { WaitTimeSeconds: 5, MessageAttributeNames: ['trace.*'] });
    assert.deepEqual(Object.keys(dead?.MessageAttributes ?? {}).sort(), ['trace.id', 'trace.span']);
    assert.notEqual(dead?.MD5OfMessageAttributes, sent.MD5OfMessageAttributes, 'the digest covers the selected attributes only');
    await client().send(new ChangeMessageVisibilityCommand({ QueueUrl: dlq, ReceiptHandle: dead?.ReceiptHandle, VisibilityTimeout: 0 }));
    const peeked = (await (await fetch(`${server().url}/q/${name}-dlq`)).json()) as { value: string };
    assert.equal(peeked.value, 'with attributes', 'RestMQ routes see the body alone');

    const bad: [Record<string, unknown>, string][] = [
      [{ 'AWS.x': { DataType: 'String', StringValue: 'a' } }, 'InvalidParameterValue'],
      [{ 'a..b': { DataType: 'String', StringValue: 'a' } }, 'InvalidParameterValue'],
      [{ a: { DataType: 'Text', StringValue: 'a' } }, 'InvalidParameterValue'],
      [{ a: { DataType: 'Number', StringValue: 'seven' } }, 'InvalidParameterValue'],
      [{ a: { DataType: 'String', StringValue: '' } }, 'InvalidParameterValue'],
      [Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }])), 'InvalidParameterValue'],
    ];
    for (const [attributes, expected] of bad) {
      assert.equal(await refusal(client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageAttributes: attributes as never }))), expected, JSON.stringify(attributes));
    }
  });

  it('the AWSTraceHeader system attribute is kept with the message and digested as AWS digests attributes', async () => {
    const QueueUrl = await newQueue();
    const trace = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const expected = stringAttributeDigest('AWSTraceHeader', trace);
    const MessageSystemAttributes = { AWSTraceHeader: { DataType: 'String' as const, StringValue: trace } };
    const sent = await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'traced', MessageSystemAttributes }));
    assert.equal(sent.MD5OfMessageSystemAttributes, expected);
    assert.equal(sent.MD5OfMessageAttributes, undefined, 'a system attribute is not a message attribute');
    const batch = await client().send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'traced too', MessageSystemAttributes }] }));
    assert.equal(batch.Successful?.[0]?.MD5OfMessageSystemAttributes, expected);
    const got = await receive(QueueUrl, { MessageSystemAttributeNames: ['AWSTraceHeader'], MessageAttributeNames: ['All'] });
    assert.deepEqual(got.map((m) => [m.Body, m.Attributes?.AWSTraceHeader, m.MessageAttributes]), [['traced', trace, undefined], ['traced too', trace, undefined]]);
    const bad: [unknown, string][] = [
      [{ Other: { DataType: 'String', StringValue: 'x' } }, 'InvalidParameterValue'],
      [{ AWSTraceHeader: { DataType: 'Number', StringValue: '1' } }, 'InvalidParameterValue'],
      [{ AWSTraceHeader: { DataType: 'String', StringValue: 'x'.repeat(1025) } }, 'InvalidParameterValue'],
    ];
    for (const [attributes, expectedError] of bad) {
      assert.equal(await refusal(client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageSystemAttributes: attributes as never }))), expectedError, JSON.stringify(attributes));
    }
  });

  it('a RestMQ value that starts with NUL reaches SQS and RestMQ consumers unchanged', async () => {
    const name = sqsQueueName();
    const QueueUrl = await newQueue(undefined, name);
    const value = '\u0000A3:abcdef';
    for (let i = 0; i < 2; i++) assert.equal((await fetch(`${server().url}/q/${name}`, { method: 'POST', body: new URLSearchParams({ value }) })).status, 200);
    const [m] = await receive(QueueUrl, { MaxNumberOfMessages: 1, MessageAttributeNames: ['All'] });
    assert.equal(m?.Body, value);
    assert.equal(m?.MessageAttributes, undefined);
    const popped = (await (await fetch(`${server().url}/q/${name}`)).json()) as { value: string };
    assert.equal(popped.value, value);
  });

  it('one queue, two protocols: SQS sends are popped by GET /q, RestMQ posts are received by SQS', async () => {
    const name = sqsQueueName();
    const QueueUrl = await newQueue(undefined, name);
    await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 'from sqs' }));
    const popped = await fetch(`${server().url}/q/${name}`);
    assert.equal(((await popped.json()) as { value: string }).value, 'from sqs');
    const posted = await fetch(`${server().url}/q/${name}`, { method: 'POST', body: new URLSearchParams({ value: 'from restmq' }) });
    assert.equal(posted.status, 200);
    const [m] = await receive(QueueUrl);
    assert.equal(m?.Body, 'from restmq');
    assert.equal(m?.MessageId, (await posted.text()).trim());
    // RestMQ's own POST / still publishes beside the SQS routes.
    const root = await fetch(`${server().url}/`, { method: 'POST', body: new URLSearchParams({ queue: name, value: 'root' }) });
    assert.equal(root.status, 200);
  });
});
