/**
 * What every SQS action runs with: the core (through the backend seam), how queues are
 * named on the wire, the per-request authorization and the request's origin.
 */
import type { Right } from '../access/rights.js';
import { accessOf } from '../operations/index.js';
import type { OperationName } from '../operations/index.js';
import type { SqsBackend } from './backend.js';
import { SqsError } from './errors.js';
import type { Input } from './input.js';
import { optionalString } from './input.js';
import type { MoveTasks } from './move-tasks.js';
import type { QueueExtras } from './queue-extras.js';
import { queueOfUrl } from './queue-urls.js';
import type { QueueNaming } from './queue-urls.js';

/** The daemon-wide parts of an action's context. */
export interface SqsServices {
  readonly backend: SqsBackend;
  readonly naming: QueueNaming;
  readonly extras: QueueExtras;
  readonly moves: MoveTasks;
  /** The server's largest message, bytes. */
  readonly maxMessageBytes: number;
}

/** One request's context. */
export interface ActionContext extends SqsServices {
  /** `scheme://host` of the request, for queue URLs when no base URL is configured. */
  readonly origin: string;
  /** The queue of the request path (`/<account-id>/<queue>`), or null on `/`. */
  readonly pathQueue: string | null;
  /** Throws `AccessDenied` unless the caller holds `right` on `queue`. */
  readonly authorize: (right: Right, queue: string) => void;
  /** True when the caller may see `queue` in ListQueues. */
  readonly mayList: (queue: string) => boolean;
  /** Throws `AccessDenied` unless the caller may list at all (consume on some queue), as RestMQ's listings require. */
  readonly authorizeListing: () => void;
  /** A signal aborted when the client goes away (ends a long poll); made on first use. */
  readonly abortSignal: () => AbortSignal;
}

/** An SQS action: JSON-shaped input to JSON-shaped output. */
export type Action = (ctx: ActionContext, input: Input) => Promise<Record<string, unknown>>;

/** The right operation `name` needs, from the operations table (SQS actions run those operations). */
export function rightOf(name: OperationName): Right {
  const access = accessOf(name);
  if (access === 'public') throw new Error(`operation ${name} is public; SQS actions need a right`);
  return access;
}

/** The queue an action names (QueueUrl, else the request path), after checking `right` on it. */
export function targetQueue(ctx: ActionContext, input: Input, right: Right): string {
  const url = optionalString(input, 'QueueUrl');
  const queue = url !== undefined ? queueOfUrl(ctx.naming, url) : ctx.pathQueue;
  if (queue === null) throw new SqsError('MissingParameter', 'The request must contain the parameter QueueUrl.');
  ctx.authorize(right, queue);
  return queue;
}

/** Throws `QueueDoesNotExist` unless the queue exists. */
export async function mustExist(ctx: ActionContext, queue: string): Promise<void> {
  if ((await ctx.backend.stats(queue)) === null) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
}
