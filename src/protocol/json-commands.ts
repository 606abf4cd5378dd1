/**
 * RestMQ's JSON protocol (`{"cmd":"add","queue":"q","value":"v"}`), shared by the `/queue`
 * route and, later, WebSocket frames. It turns a command into Broker calls and a plain
 * result object. "empty queue" is a result here, not an error, exactly as the original
 * answered it; malformed and unknown commands throw catalog errors.
 */
import type { Right } from '../access/rights.js';
import type { Broker } from '../core/broker.js';
import { RestMQError } from '../core/errors.js';
import { parseQueueName } from '../core/names.js';
import type { LeasedMessage } from '../core/types.js';
import { parseCount, parseDedupId, parseDelay, parseLease, parseReceipt } from '../core/delivery-limits.js';
import { parseJson, parseTtl, parseValue } from '../core/validate.js';
import { deliveryBody } from './delivery-bodies.js';


/** A command result: a JSON object sent back as-is. */
export type CommandResult = Record<string, unknown>;

/** Parses the text of a command; throws `malformed_json` unless it is an object with a `cmd`. */
export function parseCommand(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string') throw new RestMQError('malformed_json');
  const parsed = parseJson(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RestMQError('malformed_json');
  }
  const command = parsed as Record<string, unknown>;
  if (typeof command.cmd !== 'string' || command.cmd === '') throw new RestMQError('malformed_json');
  return command;
}

/**
 * True when a WebSocket text frame is a JSON protocol command: a JSON object with a `cmd`
 * member (parseCommand then checks it). Any other text is not one; the original's
 * WebSocket echoed such frames, and its README and example page rely on the echo.
 */
export function isCommandFrame(text: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.hasOwn(parsed, 'cmd');
}

/** A value as stored: strings as they are (never empty, as over HTTP), any other JSON document as its text. */
function commandValue(value: unknown): string {
  if (typeof value === 'string') return parseValue(value);
  if (value === undefined || value === null) throw new RestMQError('missing_value');
  return JSON.stringify(value);
}

/**
 * The right each command needs on its queue. `del` removes one message by key, which is
 * what a consumer does after a soft `get`, so it is a consumer's right.
 */
export const COMMAND_RIGHTS: Readonly<Record<string, Right>> = {
  add: 'produce',
  get: 'consume',
  take: 'consume',
  del: 'consume',
  lease: 'consume',
  ack: 'consume',
  release: 'consume',
  extend: 'consume',
};

/** Checks a command's right on its queue before it runs; throws a catalog error to refuse. */
export type CommandAuthorizer = (right: Right, queue: string) => void;

/** Runs one parsed command against the Broker, once `authorize` accepts its right on its queue. */
export async function executeCommand(
  broker: Broker,
  command: Record<string, unknown>,
  authorize?: CommandAuthorizer,
): Promise<CommandResult> {
  const right = typeof command.cmd === 'string' && Object.hasOwn(COMMAND_RIGHTS, command.cmd) ? COMMAND_RIGHTS[command.cmd] : undefined;
  if (right !== undefined && authorize !== undefined) authorize(right, parseQueueName(command.queue));
  switch (command.cmd) {
    case 'add': {
      const queue = parseQueueName(command.queue);
      const value = commandValue(command.value);
      const { key, duplicate } = await broker.publishOne(queue, {
        value,
        ttlSeconds: parseTtl(command.ttl),
        delaySeconds: parseDelay(command.delay),
        dedupId: parseDedupId(command.dedup),
      });
      return duplicate ? { queue, value, key, duplicate } : { queue, value, key };
    }
    case 'get': {
      const queue = parseQueueName(command.queue);
      const message = await broker.softRead(queue);
      if (message === null) return { error: 'empty queue' };
      return { queue, value: message.value, key: message.key, count: message.reads };
    }
    case 'take': {
      const queue = parseQueueName(command.queue);
      const message = await broker.pop(queue);
      if (message === null) return { error: 'empty queue' };
      return { queue, value: message.value, key: message.key };
    }
    case 'del': {
      const queue = parseQueueName(command.queue);
      const key = command.key;
      if (typeof key !== 'string') throw new RestMQError('invalid_key');
      const deleted = await broker.remove(key, queue);
      return { queue, deleted, key };
    }
    case 'lease': {
      // {"cmd":"lease","queue":"q","lease":30,"n":1}: lease (default: the queue's lease) up to n messages.
      const queue = parseQueueName(command.queue);
      const count = parseCount(command.n);
      const messages = await broker.lease(queue, count ?? 1, parseLease(command.lease, null));
      if (messages.length === 0) return { error: 'empty queue' };
      if (count === null) return { queue, ...deliveryBody(messages[0] as LeasedMessage) };
      // Cut by the answer byte limit: more may be waiting.
      if (broker.answerCut(messages, count)) return { queue, messages: messages.map(deliveryBody), truncated: true };
      return { queue, messages: messages.map(deliveryBody) };
    }
    case 'ack': {
      const { queue, key, receipt } = leaseTarget(command);
      await broker.ack(key, receipt, queue);
      return { queue, key, acked: true };
    }
    case 'release': {
      const { queue, key, receipt } = leaseTarget(command);
      const result = await broker.release(key, receipt, parseDelay(command.delay) ?? 0, queue);
      if (result.kind === 'released') return { queue, key, released: true, visible_at: new Date(result.visibleAt).toISOString() };
      return { queue, key, released: true, dead_letter: { queue: result.queue, key: result.key } };
    }
    case 'extend': {
      const { queue, key, receipt } = leaseTarget(command);
      const seconds = parseLease(command.lease, null);
      if (seconds === null) throw new RestMQError('invalid_lease', 'extend needs lease, the new lease length from now');
      const until = await broker.extend(key, receipt, seconds, queue);
      return { queue, key, lease_expires_at: new Date(until).toISOString() };
    }
    default:
      throw new RestMQError('unknown_command', `null resultset: unknown command ${JSON.stringify(command.cmd).slice(0, 64)}`);
  }
}

/** The queue, key and receipt of an ack, release or extend command. */
function leaseTarget(command: Record<string, unknown>): { queue: string; key: string; receipt: string } {
  const queue = parseQueueName(command.queue);
  if (typeof command.key !== 'string') throw new RestMQError('invalid_key');
  return { queue, key: command.key, receipt: parseReceipt(command.receipt) };
}
