/**
 * The operations table: every operation a client can ask of RestMQ, by name, whatever the
 * protocol. A transport maps its wire format to an operation's input, calls it through
 * {@link bindOperations}, and maps the result back; the access each needs comes from the
 * same entry (see docs/architecture.md). Adding a protocol adds an adapter over this table
 * and changes nothing here or in the core.
 */
import { ack, ackMany, extend, lease, release } from './leases.js';
import { peek, pop, publish, publishBatch, read, receive, remove, softRead } from './messages.js';
import type { Core, OperationAccess } from './operation.js';
import {
  allStats,
  config,
  configure,
  drop,
  latestKeys,
  listQueues,
  parkedLongPolls,
  purge,
  ready,
  redrive,
  setPolicy,
  setStatus,
  settings,
  stats,
  waiting,
} from './queues.js';
import { subscribe } from './streams.js';

/** Every operation, by name. */
export const OPERATIONS = {
  publish,
  publishBatch,
  receive,
  pop,
  softRead,
  peek,
  read,
  remove,
  lease,
  ack,
  ackMany,
  release,
  extend,
  listQueues,
  allStats,
  stats,
  latestKeys,
  settings,
  config,
  configure,
  setPolicy,
  setStatus,
  purge,
  drop,
  redrive,
  parkedLongPolls,
  ready,
  subscribe,
  waiting,
} as const;

/** The name of an operation. */
export type OperationName = keyof typeof OPERATIONS;

type InputOf<O> = O extends { run: (core: Core, input: infer I) => unknown } ? I : never;
type ResultOf<O> = O extends { run: (core: Core, input: never) => infer R } ? R : never;

/** The operations bound to one core: what transports call. */
export type Operations = {
  readonly [N in OperationName]: (input: InputOf<(typeof OPERATIONS)[N]>) => ResultOf<(typeof OPERATIONS)[N]>;
};

/** Binds every operation to `core`. */
export function bindOperations(core: Core): Operations {
  const bound: Record<string, (input: never) => unknown> = {};
  const entries: [string, { run: (core: Core, input: never) => unknown }][] = Object.entries(OPERATIONS);
  for (const [name, op] of entries) bound[name] = (input: never) => op.run(core, input);
  // Each entry was bound under its own name, with its own input and result types.
  return bound as Operations;
}

/** The access operation `name` needs. */
export function accessOf(name: OperationName): OperationAccess {
  return OPERATIONS[name].access;
}

export type { Core, Fields, Operation, OperationAccess } from './operation.js';
