/**
 * The composition root: config → logger → store → broker → HTTP app, and the ordered,
 * idempotent shutdown that undoes it. Nothing else builds these pieces.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { redisTarget } from './config.js';
import { Broker } from './core/broker.js';
import { Dispatcher } from './core/dispatcher.js';
import { LocalSignalBus } from './core/signals.js';
import type { SignalBus } from './core/signals.js';
import { buildHttpApp } from './http/app.js';
import type { Store } from './store/contract.js';
import { openRedisBackend } from './store/redis/backend.js';
import { openSqliteStore } from './store/sqlite/store.js';

/** A server that is listening. */
export interface RunningServer {
  readonly app: FastifyInstance;
  readonly broker: Broker;
  readonly dispatcher: Dispatcher;
  readonly store: Store;
  /** Base URL, e.g. `http://127.0.0.1:8888`. */
  readonly url: string;
  readonly port: number;
  /** Drains and releases everything; safe to call more than once (one shared promise). */
  close(): Promise<void>;
}

/** Optional parts a caller (a test, the CLI) may supply. */
export interface StartOptions {
  readonly logger?: Logger;
  /** The Broker's clock; tests pass a fake one to drive leases, delays and ttls. @default Date.now */
  readonly now?: () => number;
}

/** Builds every piece from `config` and starts listening. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'restmq' } });
  const { store, signals } = await openBackend(config, logger);
  const broker = new Broker({
    store,
    signals,
    maxMessageBytes: config.maxMessageBytes,
    maxAnswerBytes: config.maxAnswerBytes,
    ...(options.now ? { now: options.now } : {}),
  });
  const dispatcher = new Dispatcher({
    store,
    signals,
    // On Redis every daemon tails the shared broadcast history instead of owning what it took.
    sharedStore: store.kind !== 'sqlite',
    batchSize: config.streamBatchSize,
    batchBytes: Math.max(1, Math.floor(config.streamBufferBytes / 4)),
    retention: { maxMessages: config.streamHistoryMessages, maxAgeMs: config.streamHistorySeconds * 1000 },
    log: logger,
  });
  let draining = false;
  const app = await buildHttpApp({
    broker,
    storeKind: store.kind,
    maxMessageBytes: config.maxMessageBytes,
    logger,
    isDraining: () => draining,
    dispatcher,
    streams: {
      bufferBytes: config.streamBufferBytes,
      sseHeartbeatSeconds: config.sseHeartbeatSeconds,
      sseRetryMs: config.sseRetryMs,
      wsPingSeconds: config.wsPingSeconds,
    },
    connections: {
      maxConnections: config.maxConnections,
      maxConnectionsPerAddress: config.maxConnectionsPerAddress,
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      maxRequestsPerSocket: config.maxRequestsPerSocket,
      sendStallTimeoutMs: config.sendStallTimeoutMs,
      bufferBytes: config.streamBufferBytes,
    },
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      broker.stopWaiting(); // parked long polls answer now instead of holding the HTTP close
      const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
        try {
          await fn();
        } catch (err) {
          logger.error({ err }, `shutdown step ${name} failed`);
        }
      };
      // Streams first: deliveries in flight finish, then every stream ends with a reason.
      await step('streams', () => dispatcher.close());
      await step('http', () => withTimeout(app.close(), config.shutdownTimeoutMs, () => app.server.closeAllConnections()));
      await step('signals', () => signals.close());
      await step('store', () => store.close());
      logger.info('stopped');
    })();
    return closing;
  };

  try {
    await app.listen({ port: config.port, host: config.listen });
  } catch (err) {
    await close();
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  const host = config.listen.includes(':') ? `[${config.listen}]` : config.listen;
  const where = store.kind === 'sqlite' ? { dataDir: config.dataDir, sync: config.sync } : { redisPrefix: config.redisPrefix };
  logger.info({ port, listen: config.listen, store: store.kind, ...where }, 'restmq serving');
  return { app, broker, dispatcher, store, url: `http://${host}:${port}`, port, close };
}

/** SQLite unless a Redis setting names a server; Redis brings its pub/sub signal bus. */
async function openBackend(config: Config, logger: Logger): Promise<{ store: Store; signals: SignalBus }> {
  const target = redisTarget(config);
  if (target === null) {
    return { store: openSqliteStore({ dataDir: config.dataDir, sync: config.sync }), signals: new LocalSignalBus() };
  }
  return openRedisBackend({ target, prefix: config.redisPrefix, timeoutMs: config.redisTimeoutMs, pool: config.redisPool, logger });
}

/** Waits for `work`, or calls `onTimeout` once `ms` pass and keeps waiting. */
async function withTimeout(work: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  const timer = setTimeout(onTimeout, ms);
  try {
    await work;
  } finally {
    clearTimeout(timer);
  }
}
