/**
 * A long-lived HTTP response (COMET or SSE) as a dispatcher consumer: bounded send buffer,
 * optional heartbeats, and a clean end with a reason. The connection going away cancels
 * the subscription; a peer that stops reading is dropped after a short grace once ended.
 */
import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { StreamSink, Subscription } from '../../core/dispatcher.js';
import type { RestMQError } from '../../core/errors.js';
import type { StoredMessage } from '../../core/types.js';
import type { Operations } from '../../operations/index.js';
import type { StreamLease } from '../../operations/parse.js';
import { toRestMQError } from '../errors.js';
import { BoundedWriter } from './bounded-writer.js';

/** Idle time before TCP keepalive probes a streaming peer, ms. */
const STREAM_KEEPALIVE_MS = 30_000;

/** How long an ended stream may take to flush its last bytes before it is cut, ms. */
export const STREAM_CLOSE_GRACE_MS = 1000;

/**
 * Destroys a closing peer (`cut`) unless `peer` emits `finished` within
 * STREAM_CLOSE_GRACE_MS: a peer that stopped reading never lets the last bytes flush, and
 * would otherwise hold its socket until the idle timeout.
 */
export function cutAfterGrace(peer: EventEmitter, finished: string, cut: () => void): void {
  const timer = setTimeout(cut, STREAM_CLOSE_GRACE_MS);
  timer.unref();
  peer.once(finished, () => clearTimeout(timer));
}

/** What differs between COMET and SSE. */
export interface HttpStreamFormat {
  readonly contentType: string;
  /** Written once, right after the headers (SSE's `retry:`); may be empty. */
  readonly preamble: string;
  message(message: StoredMessage): string;
  heartbeat(): string;
  /** The last bytes before the end; empty for COMET, which closes silently as the original did. */
  closing(reason: RestMQError): string;
}

/** One streaming HTTP response. */
export interface HttpStreamOptions {
  readonly res: ServerResponse;
  readonly queue: string;
  readonly format: HttpStreamFormat;
  readonly bufferBytes: number;
  /** Seconds between heartbeats, or null for none. */
  readonly heartbeatSeconds: number | null;
  /** Replay broadcast history after this sequence number first; null starts live. */
  readonly since: number | null;
  /** The lease of a leased consumer (`?lease=S`); null for an unleased one. */
  readonly lease: StreamLease | null;
  /** Which transport, for the log lines. */
  readonly stream: 'comet' | 'sse';
  readonly log: FastifyBaseLogger;
}

/** Opens the response and subscribes it through the `subscribe` operation. */
export function openHttpStream(ops: Operations, options: HttpStreamOptions): void {
  const { res, format, log } = options;
  res.writeHead(200, {
    'content-type': format.contentType,
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
  });
  res.flushHeaders();
  const socket = res.socket;
  // TCP keepalive finds a peer that vanished without closing (a COMET client without
  // heartbeats sends nothing), so it stops counting as a consumer.
  socket?.setKeepAlive(true, STREAM_KEEPALIVE_MS);
  let subscription: Subscription | undefined;
  let ended = false;
  const writer = new BoundedWriter(
    options.bufferBytes,
    () => res.writableLength,
    (chunk, done) => {
      if (res.destroyed || res.writableEnded) return done();
      res.write(chunk, () => done());
    },
    () => subscription?.drained(),
  );
  if (format.preamble !== '') writer.send(format.preamble);
  const heartbeat =
    options.heartbeatSeconds === null
      ? undefined
      : setInterval(() => {
          if (writer.hasRoom()) writer.send(format.heartbeat());
        }, options.heartbeatSeconds * 1000);
  const sink: StreamSink = {
    hasRoom: () => !ended && !res.destroyed && writer.hasRoom(),
    write: (message) => writer.send(format.message(message)),
    end: (reason) => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      log.debug({ stream: options.stream, queue: options.queue, reason: reason.code, pendingBytes: writer.pendingBytes }, 'stream ended');
      // A response already destroyed has no room either: that is not a slow consumer.
      if (res.destroyed) return;
      if (reason.code === 'slow_consumer') log.info({ stream: options.stream, queue: options.queue }, 'slow streaming consumer dropped');
      res.end(format.closing(reason));
      cutAfterGrace(res, 'finish', () => res.destroy());
    },
  };
  res.once('close', () => {
    ended = true;
    clearInterval(heartbeat);
    subscription?.cancel();
    // The peer left mid-stream: release the socket now rather than at its idle timeout.
    if (!res.writableFinished) socket?.destroy();
  });
  try {
    subscription = ops.subscribe({ queue: options.queue, sink, since: options.since, lease: options.lease });
  } catch (err) {
    // Only shutdown refuses a subscription, and the headers are out: close with the reason.
    sink.end(toRestMQError(err));
    return;
  }
  if (res.destroyed) subscription.cancel();
}
