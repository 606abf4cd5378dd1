/**
 * The one way tests (and the bench) run the real daemon: the built CLI (`bin/restmq`,
 * which loads dist/) as a child process, the way an operator runs it. {@link launch} starts
 * any `restmq` command and keeps its output; {@link startDaemon} starts `restmq serve` and
 * resolves once its "restmq serving" log line gives the port and scheme. The helpers in
 * e2e/daemon.ts, support/cli-server.ts and support/tls.ts are shapes over these two.
 * Needs `npm run build`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The checkout's root folder. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The `restmq` executable of this checkout. */
export const BIN = fileURLToPath(new URL('../../bin/restmq', import.meta.url));

/** Fails early with a clear message when dist/ was not built. */
export function assertBuilt(): void {
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it) before the tests that run bin/restmq');
  }
}

/** How a child runs. */
export interface LaunchOptions {
  /** The child's whole environment. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default ROOT */
  readonly cwd?: string;
  /** Node flags before bin/restmq, e.g. `['--cpu-prof']`. */
  readonly nodeArgs?: readonly string[];
}

/** A running `restmq` child. */
export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it wrote to stdout and stderr so far (the last 1 MB). */
  output(): string;
  /** Everything it wrote to stderr so far (the last 1 MB). */
  stderr(): string;
  /** Resolves once the process has ended. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** Resolves with the first output line matching `pattern`; rejects after `ms` or when the child ends first. */
  untilLog(pattern: RegExp, ms?: number): Promise<string>;
  /** SIGKILL if it still runs, then waits for the end: the crash a fault test wants. */
  kill(): Promise<void>;
  /** SIGTERM (ordered shutdown) if it still runs, then waits; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const KEEP = 1 << 20;

/** Starts `restmq <args>` and keeps its output; never leaves it behind when the test process exits. */
export function launch(args: readonly string[], options: LaunchOptions = {}): DaemonProcess {
  assertBuilt();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('restmq did not start (no pid)');
  const orphanGuard = (): void => void child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  let all = '';
  let err = '';
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    all = (all + chunk).slice(-KEEP);
    wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    all = (all + chunk).slice(-KEEP);
    err = (err + chunk).slice(-KEEP);
    wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      process.removeListener('exit', orphanGuard);
      ended = true;
      resolve({ code, signal });
      wake();
    });
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid,
    output: () => all,
    stderr: () => err,
    exited,
    untilLog(pattern, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const line = all.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) finish(() => resolve(line));
          else if (ended) finish(() => reject(new Error(`restmq ended before logging ${String(pattern)}: ${all}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`restmq did not log ${String(pattern)} within ${ms} ms: ${all}`))), ms);
        const finish = (then: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          then();
        };
        waiters.add(check);
        check();
      });
    },
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (running()) child.kill('SIGTERM');
      return (await exited).code;
    },
  };
}

/** How `restmq serve` is started. */
export interface StartDaemonOptions extends LaunchOptions {
  /** 0 picks a free port; a restart passes the port the first start got. @default 0 */
  readonly port?: number;
  /** How long to wait for the "restmq serving" line, ms. @default 15000 */
  readonly startTimeoutMs?: number;
}

/** A `restmq serve` child that serves. */
export interface Daemon extends DaemonProcess {
  readonly port: number;
  /** `http://127.0.0.1:<port>` (`https://` with TLS). */
  readonly url: string;
}

/**
 * Starts `restmq serve --port <port> --listen 127.0.0.1 --log-level info <args>` and
 * resolves once it logged that it serves; a child that ends or stays silent is killed and
 * the start rejects with its output.
 */
export async function startDaemon(args: readonly string[], options: StartDaemonOptions = {}): Promise<Daemon> {
  const proc = launch(['serve', '--port', String(options.port ?? 0), '--listen', '127.0.0.1', '--log-level', 'info', ...args], options);
  let serving: { port?: unknown; scheme?: unknown };
  try {
    const line = await proc.untilLog(/"msg":"restmq serving"/, options.startTimeoutMs ?? 15_000);
    serving = JSON.parse(line) as { port?: unknown; scheme?: unknown };
  } catch (err) {
    await proc.kill();
    throw err;
  }
  if (typeof serving.port !== 'number') {
    await proc.kill();
    throw new Error(`restmq logged no port: ${proc.output()}`);
  }
  const scheme = serving.scheme === 'https' ? 'https' : 'http';
  return { ...proc, port: serving.port, url: `${scheme}://127.0.0.1:${serving.port}` };
}
