/**
 * The real daemon as a child process (`node bin/restmq serve`), for the benchmarks and the
 * fault checks: they must measure and kill the same program an operator runs, not an
 * in-process copy. The options are in their terms (data dir, sync, extra flags); the
 * spawning is support/daemon.ts. Needs `dist/` (npm run build).
 */
import { readFileSync } from 'node:fs';
import { startDaemon } from './daemon.js';

/** How one daemon is started. */
export interface CliServerOptions {
  readonly dataDir: string;
  /** 0 picks a free port; a restart passes the port the first start got. */
  readonly port?: number;
  readonly sync?: 'full' | 'normal';
  /** Extra `restmq serve` flags, e.g. `['--redis', url]` once that store exists. */
  readonly extraArgs?: readonly string[];
  /** Extra node flags, e.g. `['--cpu-prof', '--cpu-prof-dir', dir]`. */
  readonly nodeArgs?: readonly string[];
  /** Extra environment variables of the daemon, e.g. a file the bench's GC hook writes to. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the "restmq serving" line. @default 15000 */
  readonly startTimeoutMs?: number;
}

/** A running daemon. */
export interface CliServer {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** Resolves with the exit code (or null) and signal once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resident set size and its peak, in bytes, read from /proc (Linux). */
  memory(): { rss: number; peakRss: number };
  /** SIGKILL, then waits for the exit: the crash a fault test wants. */
  kill(): Promise<void>;
  /** SIGTERM (ordered shutdown), then waits; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the daemon (support/daemon.ts) and resolves once it logged that it serves. */
export async function startCliServer(options: CliServerOptions): Promise<CliServer> {
  const daemon = await startDaemon(
    ['--data-dir', options.dataDir, '--sync', options.sync ?? 'full', ...(options.extraArgs ?? [])],
    {
      port: options.port ?? 0,
      env: { ...process.env, ...options.env, RESTMQ_LOG_LEVEL: 'info' },
      ...(options.nodeArgs === undefined ? {} : { nodeArgs: options.nodeArgs }),
      ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
    },
  );
  return {
    pid: daemon.pid,
    port: daemon.port,
    url: daemon.url,
    exited: daemon.exited,
    memory: () => readMemory(daemon.pid),
    kill: () => daemon.kill(),
    stop: () => daemon.stop(),
  };
}

/** VmRSS and VmHWM of a process, in bytes. */
export function readMemory(pid: number): { rss: number; peakRss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (match?.[1] === undefined) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rss: field('VmRSS'), peakRss: field('VmHWM') };
}
