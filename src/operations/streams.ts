/**
 * Subscribing a streaming consumer (COMET, SSE, WebSocket, or any later push protocol):
 * the transport implements a {@link StreamSink}; the Dispatcher feeds it by the queue's
 * policy, or under leases when the consumer asked for them.
 */
import type { StreamSink, Subscription } from '../core/dispatcher.js';
import { operation } from './operation.js';
import type { QueueInput } from './operation.js';
import type { StreamLease } from './parse.js';

/** Input of `subscribe`. */
export interface SubscribeInput extends QueueInput {
  readonly sink: StreamSink;
  /** Replay broadcast history after this sequence number first; null starts live. */
  readonly since: number | null;
  /** Receive each message under a lease; null for an unleased consumer. */
  readonly lease: StreamLease | null;
}

/** Subscribes a sink; throws `shutting_down` once shutdown began. */
export const subscribe = operation({
  access: 'consume',
  run: ({ dispatcher }, input: SubscribeInput): Subscription =>
    input.lease === null
      ? dispatcher.subscribe(input.queue, input.sink, input.since === null ? undefined : { afterSeq: input.since })
      : dispatcher.subscribeLeased(input.queue, input.sink, input.lease.seconds),
});
