/**
 * Socket-level guards of the HTTP server: how many connections it keeps (in total and per
 * client address), how long a request may take to arrive, how long and how often a
 * keep-alive connection is reused, the pipelining gate and the chunking of large answers. Streams and long polls are
 * connections like any other, so they count against the caps; the timeouts only bound
 * receiving a request, never an answer, so long polls and streams are not cut by them.
 */
import { readFileSync } from 'node:fs';
import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { RestMQError } from '../../core/errors.js';
import { errorBody } from '../render.js';
import { chunkLargeAnswers } from './large-answers.js';
import { gatePipelinedRequests } from './pipelining.js';

/** Retry-After of a connection refused at a cap, seconds. */
export const CONNECTION_RETRY_AFTER_SECONDS = 1;

/** Open files kept for everything but client connections (store files, Redis, logs). */
export const RESERVED_FILES = 256;

/** How long a refused connection may take to read its 503 before it is destroyed, ms. */
const REFUSED_LINGER_MS = 1000;

/** The connection settings (README: Configuration). */
export interface ConnectionSettings {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** 0: no limit. */
  readonly maxRequestsPerSocket: number;
  /** How long a connection may stay over `bufferBytes` unsent, its peer reading none of it, before it is cut, ms. */
  readonly sendStallTimeoutMs: number;
  /** Unsent bytes past which a connection's next pipelined request waits. */
  readonly bufferBytes: number;
}

/**
 * The fastify server options that carry the timeouts. Node bounds a request only until it
 * has been received in full (its parser leaves the active list then), so long polls and
 * streams are untouched; its check runs every `connectionsCheckingInterval`, set here so
 * that a timeout is enforced within a quarter of itself (at most a second late).
 */
export function serverTimeouts(settings: ConnectionSettings): {
  keepAliveTimeout: number;
  requestTimeout: number;
  maxRequestsPerSocket: number;
  http: ServerOptions;
} {
  const shortest = Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs);
  return {
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    maxRequestsPerSocket: settings.maxRequestsPerSocket,
    http: {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(shortest / 4))),
    },
  };
}

/** The soft limit on open files of this process (Linux), or null where it cannot be read. */
export function openFileLimit(): number | null {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return match?.[1] === undefined ? null : Number(match[1]);
  } catch {
    return null;
  }
}

/** The address a cap counts: IPv4-mapped IPv6 addresses count as their IPv4 address. */
function addressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** The 503 a refused connection reads, from the catalog, written before any request. */
function refusal(): string {
  const body = `${JSON.stringify(errorBody(new RestMQError('too_many_connections')))}\r\n`;
  return [
    'HTTP/1.1 503 Service Unavailable',
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    `retry-after: ${CONNECTION_RETRY_AFTER_SECONDS}`,
    'connection: close',
    '',
    body,
  ].join('\r\n');
}

/**
 * Caps open connections in total and per address. A connection past a cap never reaches
 * the HTTP parser: it is answered `503 too_many_connections` with Retry-After at once, its
 * input is discarded, and it is closed (destroyed if the peer does not close within a
 * second). The cap sits in front of node's own `connection` listener, which it calls only
 * for admitted connections.
 */
export function capConnections(server: Server, settings: ConnectionSettings, log: FastifyBaseLogger): void {
  const perAddress = new Map<string, number>();
  let open = 0;
  const files = openFileLimit();
  const maxConnections = files === null ? settings.maxConnections : Math.min(settings.maxConnections, Math.max(1, files - RESERVED_FILES));
  if (maxConnections < settings.maxConnections) {
    log.warn({ maxConnections, openFileLimit: files }, `--max-connections ${settings.maxConnections} lowered to the open-file limit less ${RESERVED_FILES}`);
  }
  const answer = refusal();
  let lastWarned = 0;
  const admitted = server.listeners('connection');
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const address = addressOf(socket);
    const mine = perAddress.get(address) ?? 0;
    if (open >= maxConnections || mine >= settings.maxConnectionsPerAddress) {
      if (Date.now() - lastWarned > 10_000) {
        lastWarned = Date.now();
        log.warn({ address, open, fromAddress: mine }, 'connection refused: too many connections');
      }
      socket.on('error', () => undefined);
      socket.resume(); // discard what the peer sends, so closing does not reset the answer
      socket.end(answer);
      setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
      return;
    }
    open += 1;
    perAddress.set(address, mine + 1);
    socket.once('close', () => {
      open -= 1;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
    for (const listener of admitted) Reflect.apply(listener, server, [socket]);
  });
}

/** Installs every guard of this file on `app` (before its routes are registered). */
export function guardConnections(app: FastifyInstance, settings: ConnectionSettings): void {
  capConnections(app.server, settings, app.log);
  gatePipelinedRequests(app, { bufferBytes: settings.bufferBytes, stallMs: settings.sendStallTimeoutMs });
  chunkLargeAnswers(app, { bufferBytes: settings.bufferBytes, stallMs: settings.sendStallTimeoutMs });
}
