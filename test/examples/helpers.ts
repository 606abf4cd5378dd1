/**
 * Test support for the examples: runs them as child processes, the way a reader would,
 * without blocking the event loop (the test server runs in the test's own process).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The examples folder of this checkout. */
export const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

/** A running example. */
export interface Child {
  readonly process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Waits until stdout + stderr match `pattern`, the process ends, or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGKILLs the child if it still runs and waits for it to end. */
  kill(): Promise<void>;
}

/** Starts `command args` with RESTMQ_URL (and `env`) set; output is collected. */
export function start(command: string, args: readonly string[], url: string, env: Record<string, string> = {}): Child {
  const child = spawn(command, args, {
    env: { ...process.env, RESTMQ_URL: url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of waiters) waiter();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    wake();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    wake();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
      wake();
    });
  });
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(out + err)) finish(resolve);
          else if (ended) finish(() => reject(new Error(`${command} ended before printing ${String(pattern)}: ${out}${err}`)));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`${command} did not print ${String(pattern)} within ${timeoutMs} ms: ${out}${err}`))),
          timeoutMs,
        );
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
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs `command args` to its end and answers its status and output. */
export async function run(
  command: string,
  args: readonly string[],
  url: string,
  env: Record<string, string> = {},
): Promise<{ status: number | string; stdout: string; stderr: string }> {
  const child = start(command, args, url, env);
  const status = await child.exited;
  return { status, stdout: child.stdout(), stderr: child.stderr() };
}
