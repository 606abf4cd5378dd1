// Messages of SQS FIFO queues driven by the AWS SDK for JavaScript, on SQLite and on
// Redis: order within a group across concurrent receivers, a group held while a member is
// in flight and freed by DeleteMessage, ChangeMessageVisibility 0 or the visibility
// timeout's end, dedup by id and by content (the first MessageId and SequenceNumber
// answered, per group with DeduplicationScope=messageGroup), the FIFO system attributes,
// MessageGroupId on a standard queue, and a FIFO queue shared with RestMQ's own routes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { forEachStore, sqsClient, sqsQueueName } from './helpers.js';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

forEachStore('SQS FIFO messages over the AWS SDK', (server) => {
  let sqs: SQSClient;
  const client = (): SQSClient => (sqs ??= sqsClient(server()));
  const fifoQueue = async (Attributes: Record<string, string> = {}): Promise<{ name: string; QueueUrl: string }> => {
    const name = `${sqsQueueName()}.fifo`;
    const created = await client().send(new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true', ...Attributes } }));
    return { name, QueueUrl: created.QueueUrl as string };
  };
  const send = (QueueUrl: string, MessageBody: string, MessageGroupId: string, MessageDeduplicationId?: string) =>
    client().send(new SendMessageCommand({ QueueUrl, MessageBody, MessageGroupId, ...(MessageDeduplicationId === undefined ? {} : { MessageDeduplicationId }) }));
  const receive = async (QueueUrl: string, more: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {}): Promise<Message[]> =>
    (await client().send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, ...more }))).Messages ?? [];
  const bodies = (messages: Message[]): (string | undefined)[] => messages.map((m) => m.Body);
  const remove = (QueueUrl: string, m: Message | undefined) => client().send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m?.ReceiptHandle }));

  it('keeps each group in order and with one receiver at a time across concurrent receivers', async () => {
    const { QueueUrl } = await fifoQueue();
    const groups = ['a', 'b', 'c'];
    const perGroup = 8;
    for (let i = 0; i < perGroup; i++) {
      await client().send(new SendMessageBatchCommand({ QueueUrl, Entries: groups.map((g) => ({ Id: g, MessageBody: `${g}${i}`, MessageGroupId: g })) }));
    }
    const log: string[] = [];
    const holders = new Map<string, number>();
    let idle = 0;
    const receiver = async (me: number, most: number): Promise<void> => {
      while (log.length < groups.length * perGroup && idle < 50) {
        const got = await receive(QueueUrl, { MaxNumberOfMessages: most, MessageSystemAttributeNames: ['MessageGroupId'] });
        if (got.length === 0) idle++;
        for (const m of got) {
          const group = m.Attributes?.MessageGroupId as string;
          assert.equal(group, m.Body?.[0]);
          const holder = holders.get(group);
          assert.ok(holder === undefined || holder === me, `group ${group} handed to receiver ${me} while receiver ${holder} holds it`);
          holders.set(group, me);
          log.push(m.Body as string);
        }
        // Work on the messages for a moment: another receiver asking meanwhile must not get their groups.
        await new Promise((resolve) => setTimeout(resolve, 3));
        for (const m of got) holders.delete(m.Attributes?.MessageGroupId as string);
        for (const m of got) await remove(QueueUrl, m);
      }
    };
    await Promise.all([receiver(1, 1), receiver(2, 2), receiver(3, 3), receiver(4, 10)]);
    assert.equal(log.length, groups.length * perGroup, 'every message once');
    for (const g of groups) {
      assert.deepEqual(log.filter((b) => b.startsWith(g)), Array.from({ length: perGroup }, (_, i) => `${g}${i}`), `group ${g} in order`);
    }
  });

  it('holds a group while a member is in flight; DeleteMessage, ChangeMessageVisibility 0 and the visibility timeout free it', async () => {
    const { QueueUrl } = await fifoQueue();
    for (const [body, group] of [['a1', 'a'], ['a2', 'a'], ['a3', 'a'], ['b1', 'b']] as const) await send(QueueUrl, body, group);
    const [a1] = await receive(QueueUrl, { MaxNumberOfMessages: 1 });
    assert.equal(a1?.Body, 'a1');
    const [b1, ...none] = await receive(QueueUrl);
    assert.deepEqual([b1?.Body, none.length], ['b1', 0], 'group a waits while a1 is in flight');
    await remove(QueueUrl, a1);
    const [a2] = await receive(QueueUrl, { MaxNumberOfMessages: 1 });
    assert.equal(a2?.Body, 'a2', 'DeleteMessage freed group a');
    assert.deepEqual(await receive(QueueUrl), []);
    await client().send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: a2?.ReceiptHandle, VisibilityTimeout: 0 }));
    const again = await receive(QueueUrl, { MaxNumberOfMessages: 1, MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    assert.deepEqual([again[0]?.Body, again[0]?.Attributes?.ApproximateReceiveCount], ['a2', '2'], 'visibility 0 gave a2 back first');
    await remove(QueueUrl, again[0]);
    const [a3] = await receive(QueueUrl, { VisibilityTimeout: 1 });
    assert.equal(a3?.Body, 'a3');
    assert.deepEqual(await receive(QueueUrl), []);
    const redelivered = await receive(QueueUrl, { WaitTimeSeconds: 5 });
    assert.deepEqual(bodies(redelivered), ['a3'], 'the visibility timeout ended and freed group a');
  });

  it('deduplicates by MessageDeduplicationId and by content within the window, answering the first MessageId and SequenceNumber', async () => {
    const { QueueUrl } = await fifoQueue();
    const first = await send(QueueUrl, 'one', 'g', 'id-1');
    const repeat = await send(QueueUrl, 'one again', 'other', 'id-1');
    assert.deepEqual([repeat.MessageId, repeat.SequenceNumber], [first.MessageId, first.SequenceNumber]);
    const byContent = await send(QueueUrl, 'same body', 'g');
    const sameContent = await send(QueueUrl, 'same body', 'g');
    assert.deepEqual([sameContent.MessageId, sameContent.SequenceNumber], [byContent.MessageId, byContent.SequenceNumber]);
    assert.ok((byContent.SequenceNumber ?? '') > (first.SequenceNumber ?? ''), 'sequence numbers increase');
    const batch = await client().send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'x', MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'id-2' }, { Id: 'y', MessageBody: 'y', MessageGroupId: 'g', MessageDeduplicationId: 'id-2' }] }));
    assert.equal(batch.Successful?.[0]?.MessageId, batch.Successful?.[1]?.MessageId, 'a repeat within one batch');
    const got = await receive(QueueUrl, { MessageSystemAttributeNames: ['All'] });
    assert.deepEqual(bodies(got), ['one', 'same body', 'x']);
    assert.deepEqual(got.map((m) => m.Attributes?.MessageDeduplicationId), ['id-1', sha256('same body'), 'id-2']);
    assert.deepEqual(got.map((m) => m.Attributes?.MessageGroupId), ['g', 'g', 'g']);
    assert.deepEqual([got[0]?.MessageId, got[0]?.Attributes?.SequenceNumber], [first.MessageId, first.SequenceNumber]);
  });

  it('DeduplicationScope=messageGroup deduplicates within a group only', async () => {
    const { QueueUrl } = await fifoQueue({ DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
    const a = await send(QueueUrl, 'v', 'a', 'same');
    const b = await send(QueueUrl, 'v', 'b', 'same');
    const aAgain = await send(QueueUrl, 'v', 'a', 'same');
    assert.notEqual(a.MessageId, b.MessageId);
    assert.equal(aAgain.MessageId, a.MessageId);
    const got = await receive(QueueUrl, { MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'] });
    assert.deepEqual(got.map((m) => [m.Attributes?.MessageGroupId, m.Attributes?.MessageDeduplicationId]), [['a', 'same'], ['b', 'same']]);
  });

  it('a standard queue accepts MessageGroupId and answers it, without holding the group', async () => {
    const QueueUrl = (await client().send(new CreateQueueCommand({ QueueName: sqsQueueName() }))).QueueUrl as string;
    await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 's1', MessageGroupId: 'tenant-1' }));
    await client().send(new SendMessageCommand({ QueueUrl, MessageBody: 's2', MessageGroupId: 'tenant-1', DelaySeconds: 0 }));
    const [s1] = await receive(QueueUrl, { MaxNumberOfMessages: 1, MessageSystemAttributeNames: ['All'] });
    assert.deepEqual([s1?.Body, s1?.Attributes?.MessageGroupId, s1?.Attributes?.SequenceNumber], ['s1', 'tenant-1', undefined]);
    const [s2] = await receive(QueueUrl, { MessageSystemAttributeNames: ['MessageGroupId'] });
    assert.deepEqual([s2?.Body, s2?.Attributes?.MessageGroupId], ['s2', 'tenant-1'], 'not held behind s1');
  });

  it('a FIFO queue fed by SendMessage pops in group order on GET /q, and one fed by POST /q with group is received by SQS', async () => {
    const { name, QueueUrl } = await fifoQueue();
    for (const [body, group] of [['a1', 'a'], ['b1', 'b'], ['a2', 'a'], ['b2', 'b']] as const) await send(QueueUrl, body, group);
    const [a1] = await receive(QueueUrl, { MaxNumberOfMessages: 1 });
    assert.equal(a1?.Body, 'a1');
    const pop = async (): Promise<{ value: string; group: string } | null> => {
      const res = await fetch(`${server().url}/q/${name}`);
      return res.status === 204 ? null : ((await res.json()) as { value: string; group: string });
    };
    assert.deepEqual(await pop(), { key: `${name}:2`, value: 'b1', count: 0, group: 'b' });
    assert.deepEqual((await pop())?.value, 'b2', 'group a is held by the SQS receive; group b is not');
    assert.equal(await pop(), null);
    await remove(QueueUrl, a1);
    assert.deepEqual(await pop(), { key: `${name}:3`, value: 'a2', count: 0, group: 'a' });

    for (const [value, group] of [['r1', 'r'], ['r2', 'r']] as const) {
      assert.equal((await fetch(`${server().url}/q/${name}`, { method: 'POST', body: new URLSearchParams({ value, group }) })).status, 200);
    }
    const got = await receive(QueueUrl, { MessageSystemAttributeNames: ['MessageGroupId', 'SequenceNumber'] });
    assert.deepEqual(got.map((m) => [m.Body, m.Attributes?.MessageGroupId]), [['r1', 'r'], ['r2', 'r']]);
    assert.deepEqual(got.map((m) => m.Attributes?.SequenceNumber), ['00000000000000000005', '00000000000000000006']);
  });
});
