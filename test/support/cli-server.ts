/**
 * The real daemon as a child process (`node bin/restmq serve`), for the benchmarks and the
 * fault checks: they must measure and kill the same program an operator runs, not an
 * in-process copy. Needs `dist/` (npm run build).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path of bin/restmq, from this file. */
const BIN = fileURLToPath(new URL('../../bin/restmq', import.meta.url));

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

interface ServingLine {
  msg?: unknown;
  port?: unknown;
}

/** Starts the daemon and resolves once it logged that it serves. */
export function startCliServer(options: CliServerOptions): Promise<CliServer> {
  const args = [
    ...(options.nodeArgs ?? []),
    BIN,
    'serve',
    '--port',
    String(options.port ?? 0),
    '--listen',
    '127.0.0.1',
    '--data-dir',
    options.dataDir,
    '--sync',
    options.sync ?? 'full',
    '--log-level',
    'info',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env, RESTMQ_LOG_LEVEL: 'info' } });
  // Never leave a daemon behind, even when the caller dies or times out before stopping it.
  const orphanGuard = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', orphanGuard);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      process.removeListener('exit', orphanGuard);
      resolve({ code, signal });
    });
  });
  return new Promise<CliServer>((resolve, reject) => {
    let stderr = '';
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`restmq did not start within ${options.startTimeoutMs ?? 15000} ms: ${stderr}`));
    }, options.startTimeoutMs ?? 15000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const onLine = (line: string): void => {
      let parsed: ServingLine;
      try {
        parsed = JSON.parse(line) as ServingLine;
      } catch {
        return;
      }
      if (parsed.msg === 'restmq serving' && typeof parsed.port === 'number') {
        clearTimeout(timer);
        resolve(handle(child, parsed.port, exited));
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        onLine(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
      }
      if (buffered.length > 100_000) buffered = '';
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`restmq exited before serving (code ${String(code)}, signal ${String(signal)}): ${stderr}`));
    });
  });
}

function handle(
  child: ChildProcess,
  port: number,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
): CliServer {
  const pid = child.pid;
  if (pid === undefined) throw new Error('restmq has no pid');
  return {
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    exited,
    memory: () => readMemory(pid),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return (await exited).code;
    },
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
