/**
 * Opens everything a daemon needs from Redis: the store (over `pool` command connections)
 * and the signal bus (over one subscriber connection). The composition root calls this;
 * the store and the bus each close what they own.
 */
import type { Logger } from 'pino';
import { at } from '../../core/checked.js';
import type { Clock } from '../../core/clock.js';
import type { RedisTarget } from './settings.js';
import type { SignalBus } from '../../core/signals.js';
import type { Store } from '../contract.js';
import { createRedisClient, waitReady } from './connection.js';
import { KeySpace } from './keys.js';
import type { RedisClient } from './connection.js';
import { loadScripts } from './scripts.js';
import { RedisSignalBus } from './signals.js';
import { openRedisStore } from './store.js';

/** How to reach Redis. */
export interface RedisBackendOptions {
  readonly target: RedisTarget;
  readonly prefix: string;
  /** Bound on connecting, and the deadline of every store call, ms. */
  readonly timeoutMs: number;
  /** Command connections. */
  readonly pool: number;
  readonly logger: Logger;
  /** How often the store's maintenance pass runs, ms. @default 5000 */
  readonly maintenanceIntervalMs?: number;
  /** Time and the maintenance timer. @default systemClock */
  readonly clock?: Clock;
}

/** The Redis store and its signal bus. */
export interface RedisBackend {
  readonly store: Store;
  readonly signals: SignalBus;
}

/** Logs connection changes once per change, not once per reconnect attempt. */
function watch(client: RedisClient, logger: Logger, name: string): void {
  let up = false;
  client.on('ready', () => {
    up = true;
    logger.info({ connection: name }, 'redis connected');
  });
  client.on('close', () => {
    if (up) logger.warn({ connection: name }, 'redis connection lost; reconnecting');
    up = false;
  });
  client.on('error', (err: unknown) => logger.debug({ err, connection: name }, 'redis error'));
  client.on('node error', (err: unknown) => logger.debug({ err, connection: name }, 'redis cluster node error'));
}

/**
 * Connects and waits up to `timeoutMs` for Redis; if it is not there yet the daemon still
 * starts, answers 503 (and /readyz not ready) and keeps reconnecting.
 */
export async function openRedisBackend(options: RedisBackendOptions): Promise<RedisBackend> {
  const keys = new KeySpace(options.prefix);
  const scripts = loadScripts();
  const clients = Array.from({ length: options.pool }, (_, i) => {
    const client = createRedisClient(options.target, options.timeoutMs, 'command', `restmq-${i}`);
    watch(client, options.logger, `command-${i}`);
    return client;
  });
  const subscriber = createRedisClient(options.target, options.timeoutMs, 'subscriber', 'restmq-signals');
  watch(subscriber, options.logger, 'signals');
  const ready = await Promise.all([...clients, subscriber].map((c) => waitReady(c, options.timeoutMs)));
  if (ready.includes(false)) {
    options.logger.error({ target: describe(options.target) }, 'redis is not reachable yet; serving 503 until it is');
  }
  const store = openRedisStore({
    clients,
    keys,
    scripts,
    timeoutMs: options.timeoutMs,
    log: options.logger,
    ...(options.maintenanceIntervalMs === undefined ? {} : { maintenanceIntervalMs: options.maintenanceIntervalMs }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const signals = new RedisSignalBus({ publisher: at(clients, 0, 'redis connection'), subscriber, keys, logger: options.logger });
  return { store, signals };
}

/** A loggable description of the target, without credentials. */
export function describe(target: RedisTarget): string {
  switch (target.kind) {
    case 'standalone':
      return `${target.tls ? 'rediss' : 'redis'}://${target.host}:${target.port}/${target.db}`;
    case 'sentinel':
      return `sentinel ${target.name} via ${target.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
    case 'cluster':
      return `cluster via ${target.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  }
}
