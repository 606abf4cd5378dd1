/**
 * The composition root: config → logger → store → broker → HTTP app, and the ordered,
 * idempotent shutdown that undoes it. Nothing else builds these pieces.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createLogger } from './log-format.js';
import type { Config } from './config.js';
import { tlsFiles } from './config.js';
import { AccessControl } from './access/access-control.js';
import { Broker } from './core/broker.js';
import { Dispatcher } from './core/dispatcher.js';
import { clockWithNow, systemClock } from './core/clock.js';
import type { Clock } from './core/clock.js';
import { buildHttpApp } from './http/app.js';
import { bindOperations } from './operations/index.js';
import type { Operations } from './operations/index.js';
import { PrometheusMetrics } from './metrics/prometheus.js';
import { isLoopback } from './access/hosts.js';
import { browserPolicy } from './http/guards/browser-policy.js';
import { StoreOutageLog } from './http/outage-log.js';
import { loadTlsSync, reloadTls } from './http/tls.js';
import { SyslogInput } from './inputs/syslog.js';
import type { Store } from './store/contract.js';
import { openStore } from './store/open.js';

/** A server that is listening. */
export interface RunningServer {
  readonly app: FastifyInstance;
  readonly broker: Broker;
  readonly dispatcher: Dispatcher;
  readonly store: Store;
  /** The live ACL (re-read on change and by {@link AccessControl.reload}). */
  readonly access: AccessControl;
  /** Base URL, e.g. `http://127.0.0.1:8888` (`https://` with --tls-cert). */
  readonly url: string;
  readonly port: number;
  /** The syslog input's port (TCP and UDP), or null when `--syslog-port` is off. */
  readonly syslogPort: number | null;
  /** Drains and releases everything; safe to call more than once (one shared promise). */
  close(): Promise<void>;
  /**
   * Re-reads what may change while serving (SIGHUP): the TLS certificate and key, and the acl
   * file. Each step that fails is logged at warn and keeps what it had; open connections are
   * not dropped.
   * Calls run one after another; after close() it does nothing.
   */
  reload(): Promise<void>;
}

/** Optional parts a caller (a test, the CLI) may supply. */
export interface StartOptions {
  readonly logger?: Logger;
  /**
   * Queue time and timers for every owner of a timer (broker, long polls, dispatcher, the
   * store's maintenance); tests pass a fake one to drive leases, delays and ttls.
   * @default systemClock
   */
  readonly clock?: Clock;
  /** Shorthand for a clock whose time is `now` and whose timers are real; ignored with `clock`. */
  readonly now?: () => number;
}

/** Builds every piece from `config` and starts listening. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  // Before anything opens, so a bad certificate stops the start (exit 2) with nothing to undo.
  const tlsPaths = tlsFiles(config);
  const tls = tlsPaths === null ? null : loadTlsSync(tlsPaths);
  // Read before anything opens: a missing or broken acl file stops the start (exit 2).
  const access = new AccessControl({ file: config.acl, protectedMode: config.protectedMode === 'yes', log: logger });
  const clock = options.clock ?? (options.now ? clockWithNow(options.now) : systemClock);
  const opened = await openStore(config, { logger, clock });
  const { store, signals } = opened;
  const metrics = new PrometheusMetrics();
  const broker = new Broker({
    metrics,
    store,
    signals,
    maxMessageBytes: config.maxMessageBytes,
    maxAnswerBytes: config.maxAnswerBytes,
    clock,
  });
  // One log of store outages for requests and streams alike (a line when it starts and ends).
  const storeOutage = new StoreOutageLog(logger, () => store.ping());
  const dispatcher = new Dispatcher({
    store,
    signals,
    // A store several daemons share offers its history: every daemon tails it instead of owning what it took.
    sharedStore: store.sharedHistory !== undefined,
    clock,
    batchSize: config.streamBatchSize,
    batchBytes: Math.max(1, Math.floor(config.streamBufferBytes / 4)),
    retention: { maxMessages: config.streamHistoryMessages, maxAgeMs: config.streamHistorySeconds * 1000 },
    log: logger,
    onStoreUnavailable: (err) => storeOutage.refused(err),
    metrics,
  });
  let draining = false;
  const app = await buildHttpApp({
    broker,
    storeKind: store.kind,
    maxMessageBytes: config.maxMessageBytes,
    logger,
    isDraining: () => draining,
    dispatcher,
    access,
    protectedMode: config.protectedMode === 'yes',
    trustProxy: config.trustProxy,
    storeOutage,
    streams: {
      bufferBytes: config.streamBufferBytes,
      sseHeartbeatSeconds: config.sseHeartbeatSeconds,
      sseRetryMs: config.sseRetryMs,
      wsPingSeconds: config.wsPingSeconds,
    },
    browser: browserPolicy(config),
    ...(tls === null ? {} : { tls }),
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
    collectd: { data: config.collectdDataQueue, event: config.collectdEventQueue },
    metrics: { metrics, queueLabels: config.metricsQueueLabels, storeKind: store.kind, dataDir: opened.dataDir },
    dashboardIntervalMs: config.dashboardIntervalMs,
    now: () => clock.now(),
  });

  let syslog: SyslogInput | null = null;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      access.close();
      broker.stopWaiting(); // parked long polls answer now instead of holding the HTTP close
      const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
        try {
          await fn();
        } catch (err) {
          logger.error({ err }, `shutdown step ${name} failed`);
        }
      };
      // Inputs that are not HTTP stop accepting first; their publishes in flight finish.
      const input = syslog;
      if (input !== null) await step('syslog', () => input.close());
      // Streams first: deliveries in flight finish, then every stream ends with a reason.
      await step('streams', () => dispatcher.close());
      await step('http', () => withTimeout(app.close(), config.shutdownTimeoutMs, () => app.server.closeAllConnections()));
      await step('signals', () => signals.close());
      await step('store', () => store.close());
      logger.info('stopped');
    })();
    return closing;
  };

  // What reload() re-reads, one line per step, in order.
  const reloadSteps: ReadonlyArray<readonly [string, () => Promise<void> | void]> = [
    ['tls', async () => {
      if (tlsPaths === null) return;
      const { about } = await reloadTls(app.server, tlsPaths);
      if (about.expired) logger.warn({ certificate: about }, 'the reloaded tls certificate has expired');
      logger.info({ certificate: about }, 'tls certificate reloaded');
    }],
    ['acl', () => void access.reload()], // logs itself; a broken file keeps the last good rules
  ];
  let reloading: Promise<void> = Promise.resolve();
  const reload = (): Promise<void> => {
    reloading = reloading.then(async () => {
      for (const [name, run] of reloadSteps) {
        if (closing !== undefined) return;
        try {
          await run();
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          logger.warn({ step: name, reason }, `reload of ${name} failed, keeping the previous one: ${reason}`);
        }
      }
    });
    return reloading;
  };

  try {
    await app.listen({ port: config.port, host: config.listen });
    if (config.syslogPort !== null) syslog = await startSyslog(config, bindOperations({ broker, dispatcher }), logger);
  } catch (err) {
    await close();
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  const host = config.listen.includes(':') ? `[${config.listen}]` : config.listen;
  const scheme = tls === null ? 'http' : 'https';
  if (tls?.about.expired === true) logger.warn({ certificate: tls.about }, 'the tls certificate has expired');
  logger.info({ port, listen: config.listen, store: store.kind, scheme, acl: config.acl, ...opened.about, ...(tls === null ? {} : { certificate: tls.about }) }, 'restmq serving');
  if (!access.enabled && config.listen !== 'localhost' && !isLoopback(config.listen)) {
    logger.warn(
      { listen: config.listen, protectedMode: config.protectedMode },
      config.protectedMode === 'yes'
        ? 'listening beyond loopback with no ACL: protected mode refuses every non-loopback client; set --acl FILE (or --protected-mode no to serve everyone)'
        : 'listening beyond loopback with no ACL and protected mode off: anyone who reaches this port can read, pop and purge every queue',
    );
  }
  access.watch();
  return { app, broker, dispatcher, store, access, url: `${scheme}://${host}:${port}`, port, syslogPort: syslog?.port ?? null, close, reload };
}

function startSyslog(config: Config, ops: Operations, logger: Logger): Promise<SyslogInput> {
  return SyslogInput.start({
    ops,
    host: config.listen,
    port: config.syslogPort ?? 0,
    maxLineBytes: config.syslogMaxLineBytes,
    maxConnections: config.syslogMaxConnections,
    idleSeconds: config.syslogIdleSeconds,
    log: logger.child({ input: 'syslog' }),
  });
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
