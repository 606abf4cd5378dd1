/**
 * RestMQ's JSON protocol (`{"cmd":"add","queue":"q","value":"v"}`), shared by the `/queue`
 * route and, later, WebSocket frames. It turns a command into Broker calls and a plain
 * result object. "empty queue" is a result here, not an error, exactly as the original
 * answered it; malformed and unknown commands throw catalog errors.
 */
import type { Broker } from '../core/broker.js';
import { RestMQError } from '../core/errors.js';
import { parseQueueName } from '../core/names.js';
import { parseTtl, parseValue } from '../core/validate.js';

/** The commands this protocol knows. */
export const JSON_COMMANDS = ['add', 'get', 'take', 'del'] as const;

/** A command result: a JSON object sent back as-is. */
export type CommandResult = Record<string, unknown>;

/** Parses the text of a command; throws `malformed_json` unless it is an object with a `cmd`. */
export function parseCommand(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string') throw new RestMQError('malformed_json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RestMQError('malformed_json');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RestMQError('malformed_json');
  }
  const command = parsed as Record<string, unknown>;
  if (typeof command.cmd !== 'string' || command.cmd === '') throw new RestMQError('malformed_json');
  return command;
}

/** A value as stored: strings as they are (never empty, as over HTTP), any other JSON document as its text. */
function commandValue(value: unknown): string {
  if (typeof value === 'string') return parseValue(value);
  if (value === undefined || value === null) throw new RestMQError('missing_value');
  return JSON.stringify(value);
}

/** Runs one parsed command against the Broker. */
export async function executeCommand(broker: Broker, command: Record<string, unknown>): Promise<CommandResult> {
  switch (command.cmd) {
    case 'add': {
      const queue = parseQueueName(command.queue);
      const value = commandValue(command.value);
      const key = await broker.publish(queue, { value, ttlSeconds: parseTtl(command.ttl) });
      return { queue, value, key };
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
    default:
      throw new RestMQError('unknown_command', `null resultset: unknown command ${JSON.stringify(command.cmd).slice(0, 64)}`);
  }
}
