/**
 * RestMQ's JSON protocol (`{"cmd":"add","queue":"q","value":"v"}`), shared by the `/queue`
 * route and WebSocket frames: an adapter that maps each command to an operation of the
 * table (src/operations) and its result to the protocol's plain answer object. "empty
 * queue" is a result here, not an error, exactly as the original answered it; malformed
 * and unknown commands throw catalog errors.
 */
import type { Right } from '../access/rights.js';
import { RestMQError } from '../core/errors.js';
import { parseQueueName } from '../core/names.js';
import { ackBody, deliveryBody, extendBody, releaseBody } from '../operations/answers.js';
import { OPERATIONS, accessOf } from '../operations/index.js';
import type { Fields, OperationName, Operations } from '../operations/index.js';
import { publishOptions } from '../operations/messages.js';
import { parseDocumentValue, parseJson } from '../operations/parse.js';

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

/** The operation each command runs. */
export const COMMAND_OPERATIONS = {
  add: 'publish',
  get: 'softRead',
  take: 'pop',
  del: 'remove',
  lease: 'lease',
  ack: 'ack',
  release: 'release',
  extend: 'extend',
} as const satisfies Readonly<Record<string, OperationName>>;

type CommandName = keyof typeof COMMAND_OPERATIONS;

/**
 * The right each command needs on its queue: its operation's (so `del`, which removes one
 * message by key as a consumer does after a soft `get`, needs consume).
 */
export const COMMAND_RIGHTS: Readonly<Record<string, Right>> = Object.fromEntries(
  Object.entries(COMMAND_OPERATIONS).map(([cmd, op]) => {
    const access = accessOf(op);
    if (access === 'public') throw new Error(`command ${cmd} runs public operation ${op}`);
    return [cmd, access];
  }),
);

/** Checks a command's right on its queue before it runs; throws a catalog error to refuse. */
export type CommandAuthorizer = (right: Right, queue: string) => void;

function isCommand(cmd: unknown): cmd is CommandName {
  return typeof cmd === 'string' && Object.hasOwn(COMMAND_OPERATIONS, cmd);
}

const EMPTY: CommandResult = { error: 'empty queue' };

/** Runs one parsed command through `ops`, once `authorize` accepts its right on its queue. */
export async function executeCommand(
  ops: Operations,
  command: Record<string, unknown>,
  authorize?: CommandAuthorizer,
): Promise<CommandResult> {
  const cmd = command.cmd;
  if (!isCommand(cmd)) {
    throw new RestMQError('unknown_command', `null resultset: unknown command ${JSON.stringify(cmd).slice(0, 64)}`);
  }
  const right = COMMAND_RIGHTS[cmd];
  if (right !== undefined && authorize !== undefined) authorize(right, parseQueueName(command.queue));
  const fields: Fields = (name) => command[name];
  switch (cmd) {
    case 'add': {
      const queue = parseQueueName(command.queue);
      const value = parseDocumentValue(command.value);
      const { key, duplicate } = await ops.publish({ queue, message: publishOptions(fields, value) });
      return duplicate ? { queue, value, key, duplicate } : { queue, value, key };
    }
    case 'get': {
      const { queue } = OPERATIONS.softRead.parse(fields);
      const message = await ops.softRead({ queue });
      if (message === null) return EMPTY;
      return { queue, value: message.value, key: message.key, count: message.reads };
    }
    case 'take': {
      const { queue } = OPERATIONS.pop.parse(fields);
      const message = await ops.pop({ queue });
      if (message === null) return EMPTY;
      return { queue, value: message.value, key: message.key };
    }
    case 'del': {
      const input = OPERATIONS.remove.parse(fields);
      const deleted = await ops.remove(input);
      return { queue: input.queue, deleted, key: input.key };
    }
    case 'lease': {
      // {"cmd":"lease","queue":"q","lease":30,"n":1}: lease (default: the queue's lease) up to n messages.
      const input = OPERATIONS.lease.parse(fields);
      const { messages, truncated } = await ops.lease(input);
      const [first] = messages;
      if (first === undefined) return EMPTY;
      if (input.single) return { queue: input.queue, ...deliveryBody(first) };
      // Cut by the answer byte limit: more may be waiting.
      if (truncated) return { queue: input.queue, messages: messages.map(deliveryBody), truncated: true };
      return { queue: input.queue, messages: messages.map(deliveryBody) };
    }
    case 'ack': {
      const input = OPERATIONS.ack.parse(fields);
      await ops.ack(input);
      return ackBody(input.queue, input.key);
    }
    case 'release': {
      const input = OPERATIONS.release.parse(fields);
      return releaseBody(input.queue, input.key, await ops.release(input));
    }
    case 'extend': {
      const input = OPERATIONS.extend.parse(fields);
      return extendBody(input.queue, input.key, await ops.extend(input));
    }
  }
}
