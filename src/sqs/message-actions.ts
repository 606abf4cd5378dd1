/**
 * The message actions of SQS over the Broker: SendMessage(Batch) publish, ReceiveMessage
 * leases (VisibilityTimeout is the lease, WaitTimeSeconds a long poll), DeleteMessage acks
 * and ChangeMessageVisibility extends a lease or, at 0, releases it. On FIFO queues a send
 * carries a group and a dedup id (./fifo.ts); order within a group is the store's.
 */
import type { PublishInput } from '../core/broker.js';
import { parseKey } from '../core/names.js';
import type { LeasedMessage } from '../core/types.js';
import { MAX_SQS_MESSAGE_BYTES } from './attributes.js';
import type { Action, ActionContext } from './context.js';
import { rightOf, targetQueue } from './context.js';
import { SqsError, isSqsError, toSqsError } from './errors.js';
import type { Input } from './input.js';
import { batchEntries, optionalInteger, requiredString, stringList } from './input.js';
import { isFifoQueue, optionalId, sendIds, sendRules, sequenceNumber } from './fifo.js';
import type { SendRules } from './fifo.js';
import { md5OfBody } from './md5.js';
import { md5OfAttributes, parseMessageAttributes, parseSystemAttributes, selectAttributes, storedAttributes, storedSystemAttributes } from './message-attributes.js';
import type { Extras } from './queue-extras.js';
import { queueArn } from './queue-urls.js';
import { openReceiptHandle, receiptHandle } from './receipt-handles.js';
import { isRestMQError } from '../core/errors.js';

/** Characters SQS allows in a body. */
const BAD_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** System attribute names ReceiveMessage knows. */
const SYSTEM_ATTRIBUTES = new Set([
  'All',
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
]);

/** How a queue takes sends: its largest message (its MaximumMessageSize, else the server's) and its FIFO rules. */
interface SendLimits extends SendRules {
  readonly maxBytes: number;
}

async function sendLimits(ctx: ActionContext, queue: string): Promise<SendLimits> {
  const extras: Extras = await ctx.extras.recent(queue);
  const attribute = extras.attributes.MaximumMessageSize;
  const maxBytes = attribute === undefined ? Math.min(ctx.maxMessageBytes, MAX_SQS_MESSAGE_BYTES) : Math.min(Number(attribute), ctx.maxMessageBytes);
  return { maxBytes, ...sendRules(queue, extras) };
}

/** One message to publish, checked as SQS checks a SendMessage or a batch entry. */
function message(send: SendLimits, input: Input): PublishInput & { md5: string; md5OfAttributes?: string; md5OfSystemAttributes?: string } {
  const limit = send.maxBytes;
  const body = input.MessageBody;
  if (body === undefined || body === null || body === '') throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
  if (typeof body !== 'string') throw new SqsError('InvalidParameterValue', 'Value for parameter MessageBody must be a string.');
  const { attributes, bytes: attributeBytes } = parseMessageAttributes(input.MessageAttributes);
  if ((body.length * 3 > limit || attributeBytes > 0) && Buffer.byteLength(body, 'utf8') + attributeBytes > limit) {
    throw new SqsError('InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`);
  }
  const bad = BAD_CHARACTER.exec(body);
  if (bad !== null) {
    const code = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase();
    throw new SqsError('InvalidMessageContents', `Invalid binary character '#x${code}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`);
  }
  const delay = optionalInteger(input, 'DelaySeconds', 0, 900);
  const system = parseSystemAttributes(input.MessageSystemAttributes);
  const ids = sendIds(send, input, body);
  const trace = system?.AWSTraceHeader?.StringValue;
  const kept = {
    value: body,
    ttlSeconds: null,
    delaySeconds: delay ?? null,
    md5: md5OfBody(body),
    attributes: storedAttributes(attributes, trace === undefined ? ids.system : { ...ids.system, AWSTraceHeader: trace }),
    group: ids.group,
    dedupId: ids.dedupId,
    ...(system === null ? {} : { md5OfSystemAttributes: md5OfAttributes(system) }),
  };
  return attributes === null ? kept : { ...kept, md5OfAttributes: md5OfAttributes(attributes) };
}

/** What a send answers besides MessageId: the digests, and a FIFO message's SequenceNumber. */
function sent(send: SendLimits, key: string, entry: ReturnType<typeof message>): Record<string, unknown> {
  return {
    MD5OfMessageBody: entry.md5,
    ...(entry.md5OfAttributes === undefined ? {} : { MD5OfMessageAttributes: entry.md5OfAttributes }),
    ...(entry.md5OfSystemAttributes === undefined ? {} : { MD5OfMessageSystemAttributes: entry.md5OfSystemAttributes }),
    ...(send.fifo ? { SequenceNumber: sequenceNumber(key) } : {}),
  };
}

const sendMessage: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('publishBatch'));
  const send = await sendLimits(ctx, queue);
  const entry = message(send, input);
  const [result] = await ctx.backend.publishBatch(queue, [entry]);
  const key = result?.key ?? '';
  // A repeated dedup id stored nothing and answers the first message's key, as AWS answers its MessageId.
  return { MessageId: key, ...sent(send, key, entry) };
};

/** What a failed batch entry answers. */
function failure(id: string, err: unknown): Record<string, unknown> {
  if (!isRestMQError(err)) throw err;
  const error = toSqsError(err);
  return { Id: id, SenderFault: error.awsStatus < 500, Code: error.aws, Message: error.message };
}

/** The bytes of an entry's attributes for the batch total (0 when they are malformed: the entry fails on its own). */
function attributeBytes(entry: Input): number {
  try {
    return parseMessageAttributes(entry.MessageAttributes).bytes;
  } catch {
    return 0;
  }
}

const sendMessageBatch: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('publishBatch'));
  const entries = batchEntries(input);
  const total = entries.reduce((sum, e) => sum + (typeof e.MessageBody === 'string' ? Buffer.byteLength(e.MessageBody, 'utf8') : 0) + attributeBytes(e), 0);
  if (total > MAX_SQS_MESSAGE_BYTES) {
    throw new SqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${MAX_SQS_MESSAGE_BYTES} bytes. You have sent ${total} bytes.`);
  }
  const failed: Record<string, unknown>[] = [];
  const valid: { id: string; entry: ReturnType<typeof message> }[] = [];
  const send = await sendLimits(ctx, queue);
  for (const e of entries) {
    const id = e.Id as string;
    try {
      valid.push({ id, entry: message(send, e) });
    } catch (err) {
      if (!isSqsError(err)) throw err;
      failed.push(failure(id, err));
    }
  }
  const results = valid.length === 0 ? [] : await ctx.backend.publishBatch(queue, valid.map((v) => v.entry));
  const successful = valid.map((v, i) => {
    const key = results[i]?.key ?? '';
    return { Id: v.id, MessageId: key, ...sent(send, key, v.entry) };
  });
  return { Successful: successful, Failed: failed };
};

/** The system attributes of `m` that `names` ask for (`SequenceNumber` on FIFO queues only). */
function systemAttributes(ctx: ActionContext, queue: string, m: LeasedMessage, names: readonly string[]): Record<string, string> | undefined {
  if (names.length === 0) return undefined;
  for (const name of names) {
    if (!SYSTEM_ATTRIBUTES.has(name)) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
  }
  const all: Record<string, string> = {
    SenderId: ctx.naming.accountId,
    SentTimestamp: String(m.createdAt),
    ApproximateReceiveCount: String(m.attempts),
  };
  if (m.firstLeasedAt !== undefined) all.ApproximateFirstReceiveTimestamp = String(m.firstLeasedAt);
  if (m.deadLetter !== null) all.DeadLetterQueueSourceArn = queueArn(ctx.naming, parseKey(m.deadLetter.sourceKey).queue);
  const kept = storedSystemAttributes(m.attributes);
  const group = m.group ?? kept.MessageGroupId;
  if (group !== undefined) all.MessageGroupId = group;
  if (kept.MessageDeduplicationId !== undefined) all.MessageDeduplicationId = kept.MessageDeduplicationId;
  if (kept.AWSTraceHeader !== undefined) all.AWSTraceHeader = kept.AWSTraceHeader;
  if (isFifoQueue(queue)) all.SequenceNumber = sequenceNumber(m.key);
  if (names.includes('All')) return all;
  return Object.fromEntries(Object.entries(all).filter(([name]) => names.includes(name)));
}

const receiveMessage: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('receive'));
  const count = optionalInteger(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
  const visibility = optionalInteger(input, 'VisibilityTimeout', 0, 43_200);
  const wait = optionalInteger(input, 'WaitTimeSeconds', 0, 20) ?? Number((await ctx.extras.attribute(queue, 'ReceiveMessageWaitTimeSeconds')) ?? 0);
  const names = [...stringList(input, 'AttributeNames'), ...stringList(input, 'MessageSystemAttributeNames')];
  const attributeNames = stringList(input, 'MessageAttributeNames');
  // Accepted and checked; a retried receive is not answered from memory (docs/sqs.md, FIFO queues).
  optionalId(input, 'ReceiveRequestAttemptId');
  const taken = (await ctx.backend.receive(queue, {
    count,
    lease: { seconds: visibility ?? null },
    waitSeconds: wait,
    abort: ctx.abortSignal(),
  }));
  if (taken.length === 0) return {};
  return {
    Messages: taken.map((m) => {
      const attributes = systemAttributes(ctx, queue, m, names);
      const messageAttributes = selectAttributes(m.attributes, attributeNames);
      return {
        MessageId: m.key,
        ReceiptHandle: receiptHandle(m.key, m.receipt),
        MD5OfBody: md5OfBody(m.value),
        Body: m.value,
        ...(attributes === undefined ? {} : { Attributes: attributes }),
        ...(messageAttributes === null ? {} : { MessageAttributes: messageAttributes, MD5OfMessageAttributes: md5OfAttributes(messageAttributes) }),
      };
    }),
  };
};

/** Deletes the message of a handle; like SQS, a handle that is no longer the latest deletes nothing and succeeds. */
async function remove(ctx: ActionContext, queue: string, handle: string): Promise<void> {
  const { key, receipt } = openReceiptHandle(handle, queue);
  try {
    await ctx.backend.ack(key, receipt, queue);
  } catch (err) {
    if (isRestMQError(err) && (err.code === 'stale_receipt' || err.code === 'lease_expired')) return;
    throw err;
  }
}

/** Changes the visibility of a handle's message: 0 releases it, more extends its lease. */
async function changeVisibility(ctx: ActionContext, queue: string, handle: string, seconds: number): Promise<void> {
  const { key, receipt } = openReceiptHandle(handle, queue);
  if (seconds === 0) await ctx.backend.release(key, receipt, 0, queue);
  else await ctx.backend.extend(key, receipt, seconds, queue);
}

function visibilityOf(input: Input): number {
  const seconds = optionalInteger(input, 'VisibilityTimeout', 0, 43_200);
  if (seconds === undefined) throw new SqsError('MissingParameter', 'The request must contain the parameter VisibilityTimeout.');
  return seconds;
}

const deleteMessage: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('ack'));
  await remove(ctx, queue, requiredString(input, 'ReceiptHandle'));
  return {};
};

const changeMessageVisibility: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('release'));
  const handle = requiredString(input, 'ReceiptHandle');
  await changeVisibility(ctx, queue, handle, visibilityOf(input));
  return {};
};

/** Runs `each` on every entry of a batch at once; answers per-entry success and failure. */
async function perEntry(input: Input, each: (entry: Input) => Promise<void>): Promise<Record<string, unknown>> {
  const entries = batchEntries(input);
  const outcomes = await Promise.all(
    entries.map(async (entry) => {
      const id = entry.Id as string;
      try {
        await each(entry);
        return { ok: true as const, id };
      } catch (err) {
        return { ok: false as const, failed: failure(id, err) };
      }
    }),
  );
  return {
    Successful: outcomes.filter((o) => o.ok).map((o) => ({ Id: o.id })),
    Failed: outcomes.filter((o) => !o.ok).map((o) => o.failed),
  };
}

const deleteMessageBatch: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('ack'));
  return perEntry(input, (entry) => remove(ctx, queue, requiredString(entry, 'ReceiptHandle')));
};

const changeMessageVisibilityBatch: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('release'));
  return perEntry(input, (entry) => changeVisibility(ctx, queue, requiredString(entry, 'ReceiptHandle'), visibilityOf(entry)));
};

/** The message actions, by name. */
export const MESSAGE_ACTIONS: Record<string, Action> = {
  SendMessage: sendMessage,
  SendMessageBatch: sendMessageBatch,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  DeleteMessageBatch: deleteMessageBatch,
  ChangeMessageVisibility: changeMessageVisibility,
  ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
};
