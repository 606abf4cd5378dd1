/**
 * What one operation is: the right it needs, its parsed input, its call into the core and
 * its result. Transports (REST routes, the JSON protocol, streams, SQS) map their wire
 * format to an operation's input and its result back to the wire; they never call the
 * Broker or the Dispatcher themselves, so queue behaviour and access rules are declared
 * once for every protocol.
 */
import type { Right } from '../access/rights.js';
import type { Broker } from '../core/broker.js';
import type { Dispatcher } from '../core/dispatcher.js';

/** The core an operation runs against, built once by the composition root. */
export interface Core {
  readonly broker: Broker;
  /** Feeds streaming consumers; only the `subscribe` operation uses it. */
  readonly dispatcher: Dispatcher;
}

/**
 * The access an operation needs on the queue its input names: a right the ACL grants
 * (src/access/policy.ts), or `public` for probes. Routes derive their `config.access`
 * from it (src/http/route-access.ts) and JSON commands their per-frame check, so the two cannot
 * disagree.
 */
export type OperationAccess = Right | 'public';

/**
 * Arguments as a transport found them, by RestMQ's names (`queue`, `key`, `receipt`,
 * `lease`, `delay`, `n`, ...), each `unknown` until parsed: a form field or query
 * parameter for REST, a member of a command for the JSON protocol.
 */
export type Fields = (name: string) => unknown;

/** One entry of the operations table. */
export interface Operation<Input, Result> {
  /** The right the caller needs on the input's queue. */
  readonly access: OperationAccess;
  /** Runs the operation; `input` is already parsed. */
  readonly run: (core: Core, input: Input) => Result;
  /**
   * Builds the input from RestMQ-named fields, for transports that share those names (the
   * REST routes and the JSON protocol); absent where each transport's wire differs.
   */
  readonly parse?: (fields: Fields) => Input;
}

/** Declares an operation with a `parse`, keeping its input and result types. */
export function operation<Input, Result>(definition: {
  readonly access: OperationAccess;
  readonly run: (core: Core, input: Input) => Result;
  readonly parse: (fields: Fields) => Input;
}): Operation<Input, Result> & { readonly parse: (fields: Fields) => Input };
/** Declares an operation whose input each transport builds itself. */
export function operation<Input, Result>(definition: Operation<Input, Result>): Operation<Input, Result>;
export function operation<Input, Result>(definition: Operation<Input, Result>): Operation<Input, Result> {
  return definition;
}

/** An input that names one queue. */
export interface QueueInput {
  readonly queue: string;
}

/** An input that names one message of a queue. */
export interface KeyInput extends QueueInput {
  readonly key: string;
}
