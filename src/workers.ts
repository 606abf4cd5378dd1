/**
 * `--workers N`: N serving processes on one port, so one host's cores all serve. Built on
 * node:cluster: the primary serves nothing itself; it forks N workers that each run the
 * whole daemon (the same `restmq` command line, through startServer) over the shared store,
 * and the listening socket is shared (the primary accepts and hands connections to the
 * workers in turn). The workers are ordinary daemons on one Redis, so everything that holds
 * across daemons (docs/redis.md) holds across workers; the SQLite store, which one process
 * owns, is refused by the config loader.
 *
 * The primary restarts a worker that dies (after a back-off when it keeps dying young),
 * passes SIGHUP on as a reload, passes SIGTERM/SIGINT on as a drain, and exits once every
 * worker is gone: 0 when they all drained cleanly. A second SIGTERM/SIGINT kills them now.
 * A worker that fails before it first serves stops the whole start (a bad port, a bad
 * certificate) with that worker's exit code, as a single daemon would exit.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { Logger } from 'pino';

/** What the primary tells a worker over the IPC channel. */
type ToWorker = { readonly restmq: 'shutdown' } | { readonly restmq: 'reload' };

/** What a worker tells the primary once it serves. */
interface Serving {
  readonly restmq: 'serving';
  readonly port: number;
}

/** A worker that lives at most this long counts as dying young: its restart waits. */
const YOUNG_MS = 10_000;
/** The first wait before restarting a worker that died young; doubles each time, up to {@link MAX_RESTART_DELAY_MS}. */
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 30_000;
/** How long past the shutdown timeout the primary waits for draining workers before it kills them. */
const DRAIN_GRACE_MS = 10_000;

/** The log bindings of this process when it is a worker (`{ worker: <id> }`), or null. */
export function workerBindings(): { readonly worker: number } | null {
  const worker = cluster.worker;
  return worker === undefined ? null : { worker: worker.id };
}

/** True in the process that should supervise `workers` workers instead of serving. */
export function shouldSupervise(workers: number): boolean {
  return workers > 1 && cluster.isPrimary;
}

/** What a worker does on the primary's orders. */
export interface WorkerHandlers {
  /** Drains and exits (as the first SIGTERM would; never counted as a second signal). */
  shutdown(): void;
  /** Re-reads what SIGHUP re-reads. */
  reload(): void;
}

/**
 * In a worker, once it serves: listens for the primary's orders and tells it the port.
 * Does nothing outside a worker.
 */
export function reportToPrimary(port: number, handlers: WorkerHandlers): void {
  if (!cluster.isWorker || process.send === undefined) return;
  process.on('message', (message: unknown) => {
    if (!isOrder(message)) return;
    if (message.restmq === 'shutdown') handlers.shutdown();
    else handlers.reload();
  });
  const serving: Serving = { restmq: 'serving', port };
  process.send(serving);
}

function isOrder(message: unknown): message is ToWorker {
  if (typeof message !== 'object' || message === null) return false;
  const kind = (message as { restmq?: unknown }).restmq;
  return kind === 'shutdown' || kind === 'reload';
}

function isServing(message: unknown): message is Serving {
  return typeof message === 'object' && message !== null && (message as { restmq?: unknown }).restmq === 'serving' && typeof (message as { port?: unknown }).port === 'number';
}

/** How the primary runs. */
export interface SuperviseOptions {
  /** Workers to keep serving. */
  readonly workers: number;
  readonly logger: Logger;
  /** The workers' `--shutdown-timeout-ms`: how long a drain may hold requests in flight. */
  readonly shutdownTimeoutMs: number;
}

/** One of the N places a worker fills; a restarted worker takes its predecessor's slot. */
interface Slot {
  worker: Worker | null;
  serving: boolean;
  startedAt: number;
  /** Whether any worker of this slot has served (a failure before that stops the start). */
  everServed: boolean;
  /** Consecutive deaths of young workers: the restart back-off's exponent. */
  youngDeaths: number;
  restartTimer: NodeJS.Timeout | null;
}

/**
 * Runs the primary: forks the workers and supervises them until a signal drains them (or the
 * start fails). Resolves with the exit code for the process.
 */
export function superviseWorkers(options: SuperviseOptions): Promise<number> {
  const { logger } = options;
  const slots: Slot[] = Array.from({ length: options.workers }, () => ({ worker: null, serving: false, startedAt: 0, everServed: false, youngDeaths: 0, restartTimer: null }));
  let stopping = false;
  let announced = false;
  let exitCode = 0;
  let killTimer: NodeJS.Timeout | null = null;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));

  const live = (): Worker[] => slots.flatMap((s) => (s.worker === null ? [] : [s.worker]));
  const send = (worker: Worker, order: ToWorker): void => {
    if (!worker.isConnected()) return;
    worker.send(order, (err: Error | null) => {
      if (err !== null) logger.warn({ worker: worker.id, reason: err.message }, `cannot reach worker ${worker.id}`);
    });
  };
  const settleIfGone = (): void => {
    if (!stopping || live().length > 0 || slots.some((s) => s.restartTimer !== null)) return;
    if (killTimer !== null) clearTimeout(killTimer);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGHUP', onHangup);
    logger.info({ exitCode }, 'workers stopped');
    finish(exitCode);
  };

  const stop = (reason: Record<string, unknown>, message: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(reason, message);
    for (const slot of slots) {
      if (slot.restartTimer !== null) clearTimeout(slot.restartTimer);
      slot.restartTimer = null;
      const worker = slot.worker;
      if (worker === null) continue;
      // One that serves listens for orders; one still starting is stopped by its signal.
      if (slot.serving) send(worker, { restmq: 'shutdown' });
      else worker.process.kill('SIGTERM');
    }
    killTimer = setTimeout(() => {
      for (const worker of live()) {
        logger.warn({ worker: worker.id }, `worker ${worker.id} (pid ${worker.process.pid ?? '?'}) did not drain in time: killing it`);
        worker.process.kill('SIGKILL');
      }
    }, options.shutdownTimeoutMs + DRAIN_GRACE_MS);
    killTimer.unref();
    settleIfGone();
  };

  const fork = (slot: Slot): void => {
    slot.restartTimer = null;
    const worker = cluster.fork();
    slot.worker = worker;
    slot.serving = false;
    slot.startedAt = Date.now();
    worker.on('message', (message: unknown) => {
      if (!isServing(message) || slot.worker !== worker) return;
      slot.serving = true;
      slot.everServed = true;
      if (stopping) {
        send(worker, { restmq: 'shutdown' });
        return;
      }
      if (!announced && slots.every((s) => s.serving)) {
        announced = true;
        const pids = slots.map((s) => s.worker?.process.pid ?? null);
        logger.info({ workers: options.workers, port: message.port, pids }, 'restmq workers serving');
      }
    });
    worker.on('exit', (code: number | null, signal: string | null) => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      const wasServing = slot.serving;
      slot.serving = false;
      const how = signal === null ? `exit code ${code ?? '?'}` : `signal ${signal}`;
      const pid = worker.process.pid ?? '?';
      if (stopping) {
        // One that never served was stopped by its signal while starting: nothing to drain.
        if (code !== 0 && wasServing) {
          exitCode = 1;
          logger.warn({ worker: worker.id }, `worker ${worker.id} (pid ${pid}) ended with ${how}`);
        }
        settleIfGone();
        return;
      }
      if (!slot.everServed) {
        // It never served: the same start would fail again (a busy port, a bad certificate).
        exitCode = code !== null && code !== 0 ? code : 1;
        stop({ worker: worker.id }, `worker ${worker.id} (pid ${pid}) failed to start (${how}): stopping the others`);
        return;
      }
      const young = Date.now() - slot.startedAt < YOUNG_MS || !wasServing;
      slot.youngDeaths = young ? slot.youngDeaths + 1 : 0;
      const delay = slot.youngDeaths <= 1 ? 0 : Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (slot.youngDeaths - 2));
      logger.warn({ worker: worker.id }, `worker ${worker.id} (pid ${pid}) died (${how}): starting another${delay > 0 ? ` in ${delay} ms` : ''}`);
      slot.restartTimer = setTimeout(() => fork(slot), delay);
    });
  };

  function onSignal(signal: NodeJS.Signals): void {
    if (stopping) {
      logger.warn({ signal }, 'second signal: killing the workers now');
      for (const worker of live()) worker.process.kill('SIGKILL');
      finish(1);
      return;
    }
    stop({ signal }, 'shutting down: draining the workers');
  }
  function onHangup(): void {
    logger.info({ signal: 'SIGHUP' }, 'reloading the workers');
    for (const slot of slots) if (slot.worker !== null && slot.serving) send(slot.worker, { restmq: 'reload' });
  }
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onHangup);

  logger.info({ workers: options.workers }, `starting ${options.workers} workers`);
  for (const slot of slots) fork(slot);
  return done;
}
