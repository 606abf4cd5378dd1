/**
 * Queue attributes of SQS over RestMQ's queue settings: VisibilityTimeout is the default
 * lease, DelaySeconds the default delay, MessageRetentionPeriod the default ttl and
 * RedrivePolicy the pair max_attempts / dead_letter. Counts and timestamps come from the
 * store's stats. Ranges and error types are AWS's.
 */
import type { QueueConfig } from '../core/broker.js';
import type { QueueSettings, QueueStats } from '../core/types.js';
import { SqsError } from './errors.js';
import { FIFO_ATTRIBUTES, FIFO_CHOICES, isFifoQueue } from './fifo.js';
import type { Extras } from './queue-extras.js';
import { queueArn, queueOfArn } from './queue-urls.js';
import type { QueueNaming } from './queue-urls.js';

/** AWS's default MessageRetentionPeriod, given to queues CreateQueue makes without one. */
export const DEFAULT_RETENTION_SECONDS = 345_600;

/** Reported as MessageRetentionPeriod when a queue has no ttl (its messages never expire). */
const NO_RETENTION_REPORTED = 1_209_600;

/** AWS's largest message (and MaximumMessageSize). */
export const MAX_SQS_MESSAGE_BYTES = 1_048_576;

const RANGES: Record<string, readonly [number, number]> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, MAX_SQS_MESSAGE_BYTES],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43_200],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};

/** Accepted, kept (in the store, beside the queue's settings) and answered; only the last two have an effect. */
const KEPT = new Set(['Policy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled', 'MaximumMessageSize', 'ReceiveMessageWaitTimeSeconds']);

/** Names GetQueueAttributes answers (besides the kept ones). */
const COMPUTED = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'VisibilityTimeout',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
  'SqsManagedSseEnabled',
];

/** What Create/SetQueueAttributes change. */
export interface AttributeChange {
  readonly patch: Partial<QueueSettings>;
  /** Kept attributes to store beside the queue; '' deletes one. */
  readonly kept: Record<string, string>;
}

function invalid(name: string, reason?: string): SqsError {
  return new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.${reason === undefined ? '' : ` Reason: ${reason}`}`);
}

function integerAttribute(name: string, value: string): number {
  const [min, max] = RANGES[name] ?? [0, Number.MAX_SAFE_INTEGER];
  if (!/^[0-9]{1,10}$/.test(value) || Number(value) < min || Number(value) > max) throw invalid(name, `must be a whole number from ${min} to ${max}.`);
  return Number(value);
}

function unknown(name: string): SqsError {
  return new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
}

function redrivePolicy(naming: QueueNaming, value: string, queue: string): Partial<QueueSettings> {
  if (value === '') return { maxAttempts: 0, deadLetter: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid('RedrivePolicy', 'not a JSON object.');
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid('RedrivePolicy', 'not a JSON object.');
  const { deadLetterTargetArn, maxReceiveCount } = parsed as Record<string, unknown>;
  if (typeof deadLetterTargetArn !== 'string') throw invalid('RedrivePolicy', 'deadLetterTargetArn is required.');
  const count = typeof maxReceiveCount === 'number' ? maxReceiveCount : typeof maxReceiveCount === 'string' && /^[0-9]{1,4}$/.test(maxReceiveCount) ? Number(maxReceiveCount) : NaN;
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw invalid('RedrivePolicy', 'maxReceiveCount must be a whole number from 1 to 1000.');
  const deadLetter = queueOfArn(naming, deadLetterTargetArn, 'RedrivePolicy');
  if (deadLetter === queue) throw invalid('RedrivePolicy', 'a queue cannot be its own dead-letter queue.');
  if (isFifoQueue(deadLetter) !== isFifoQueue(queue)) {
    throw new SqsError('InvalidParameterValue', `Value ${value} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source.`);
  }
  return { maxAttempts: count, deadLetter };
}

/**
 * A FIFO attribute of CreateQueue (`creating`) or SetQueueAttributes: to keep, or null to
 * ignore. As AWS: a standard queue knows none of them (`FifoQueue=false` aside, accepted at
 * creation), and FifoQueue is given at creation only.
 */
function fifoAttribute(queue: string, name: string, value: string, creating: boolean): string | null {
  const fifo = isFifoQueue(queue);
  if (name === 'FifoQueue') {
    if (!creating) throw unknown(name);
    if (!fifo && value === 'false') return null;
    if (!fifo || value === 'false') throw unknown(name);
    if (value !== 'true') throw invalid(name, 'must be true or false.');
    return value;
  }
  if (!fifo) throw unknown(name);
  const choices = FIFO_CHOICES[name] ?? [];
  if (!choices.includes(value)) throw invalid(name, `must be ${choices.join(' or ')}.`);
  return value;
}

/** Reads the attributes of CreateQueue (`creating`) or SetQueueAttributes. */
export function parseAttributes(naming: QueueNaming, queue: string, attributes: Record<string, string>, creating = false): AttributeChange {
  const patch: Record<string, unknown> = {};
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (FIFO_ATTRIBUTES.has(name)) {
      const keep = fifoAttribute(queue, name, value, creating);
      if (keep !== null) kept[name] = keep;
      continue;
    }
    if (name in RANGES) integerAttribute(name, value);
    if (name === 'VisibilityTimeout') patch.leaseSeconds = Number(value);
    else if (name === 'DelaySeconds') patch.delaySeconds = Number(value);
    else if (name === 'MessageRetentionPeriod') patch.ttlSeconds = Number(value);
    else if (name === 'RedrivePolicy') Object.assign(patch, redrivePolicy(naming, value, queue));
    else if (KEPT.has(name)) kept[name] = value;
    else throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
  }
  return { patch: patch, kept };
}

/** Every attribute of a queue, as GetQueueAttributes(All) answers. */
export function queueAttributes(
  naming: QueueNaming,
  queue: string,
  config: QueueConfig,
  stats: QueueStats | null,
  extras: Extras,
  serverMaxBytes: number,
): Record<string, string> {
  const { settings } = config;
  const created = String(Math.floor((stats?.createdAt ?? 0) / 1000));
  const out: Record<string, string> = {
    QueueArn: queueArn(naming, queue),
    ApproximateNumberOfMessages: String(stats?.ready ?? 0),
    ApproximateNumberOfMessagesNotVisible: String(stats?.leased ?? 0),
    ApproximateNumberOfMessagesDelayed: String(stats?.delayed ?? 0),
    CreatedTimestamp: created,
    LastModifiedTimestamp: created,
    VisibilityTimeout: String(settings.leaseSeconds),
    MaximumMessageSize: extras.attributes.MaximumMessageSize ?? String(Math.min(serverMaxBytes, MAX_SQS_MESSAGE_BYTES)),
    MessageRetentionPeriod: String(settings.ttlSeconds ?? NO_RETENTION_REPORTED),
    DelaySeconds: String(settings.delaySeconds),
    ReceiveMessageWaitTimeSeconds: extras.attributes.ReceiveMessageWaitTimeSeconds ?? '0',
    SqsManagedSseEnabled: 'false',
  };
  if (isFifoQueue(queue)) {
    out.FifoQueue = 'true';
    for (const [name, choices] of Object.entries(FIFO_CHOICES)) out[name] = choices[0] as string;
  }
  if (settings.maxAttempts > 0) {
    out.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: queueArn(naming, config.deadLetterQueue), maxReceiveCount: settings.maxAttempts });
  }
  for (const [name, value] of Object.entries(extras.attributes)) out[name] = value;
  return out;
}

/** The attributes of `queue` that `names` select (`All` selects every one); unknown names (FIFO ones on a standard queue) are refused. */
export function selectAttributes(queue: string, all: Record<string, string>, names: readonly string[]): Record<string, string> {
  if (names.length === 0) return {};
  if (names.includes('All')) return all;
  const out: Record<string, string> = {};
  for (const name of names) {
    const fifoName = FIFO_ATTRIBUTES.has(name) && isFifoQueue(queue);
    if (!COMPUTED.includes(name) && !KEPT.has(name) && !fifoName) throw unknown(name);
    const value = all[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** True when every attribute in `given` equals the queue's current value (CreateQueue on an existing queue). */
export function sameAttributes(naming: QueueNaming, queue: string, given: Record<string, string>, current: Record<string, string>): boolean {
  return Object.entries(given).every(([name, value]) => {
    if (name === 'FifoQueue' && value === 'false') return true;
    if (name === 'RedrivePolicy') {
      const want = value === '' ? {} : redrivePolicy(naming, value, queue);
      const have = current.RedrivePolicy === undefined ? {} : redrivePolicy(naming, current.RedrivePolicy, queue);
      return JSON.stringify(want) === JSON.stringify(have);
    }
    return current[name] === value;
  });
}
