/**
 * Test support for process-level tests: runs the real `bin/restmq` (the compiled CLI in
 * dist/, which `npm test` builds first) as a child process through support/daemon.ts, the
 * way an operator would, and waits on conditions with deadlines instead of sleeping.
 */
import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { BIN, ROOT, assertBuilt, launch } from '../support/daemon.js';
import { waitFor } from '../support/wait.js';

export { BIN, ROOT, assertBuilt };

/** A port that was free a moment ago: listen on 0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close();
        reject(new Error('no port from the probe'));
        return;
      }
      probe.close(() => resolve(address.port));
    });
  });
}

/** The environment for a child: ours without any RESTMQ_* setting, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('RESTMQ_')) env[name] = value;
  }
  return { ...env, ...extra };
}

/** A running daemon child. */
export interface Daemon {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Kills the child if it still runs (SIGKILL) and waits for it to end. */
  kill(): Promise<void>;
}

/** Where and how a child runs. */
export interface SpawnOptions {
  /** @default cleanEnv() */
  readonly env?: NodeJS.ProcessEnv;
  /** @default ROOT */
  readonly cwd?: string;
}

/** Starts `restmq <args>` without waiting for it to serve. */
export function spawnDaemon(args: readonly string[], url: string, options: SpawnOptions = {}): Daemon {
  const proc = launch(args, { cwd: options.cwd ?? ROOT, env: options.env ?? cleanEnv() });
  return {
    child: proc.child,
    url,
    stderr: () => proc.stderr(),
    exited: proc.exited.then(({ code, signal }) => code ?? signal ?? 'unknown'),
    kill: () => proc.kill(),
  };
}

/** Polls `url`/healthz until it answers 200, the child exits, or `timeoutMs` passes. */
export async function waitHealthy(daemon: Daemon, timeoutMs = 10_000): Promise<void> {
  let ended = false;
  void daemon.exited.then(() => {
    ended = true;
  });
  await waitFor(
    `restmq to serve /healthz (${daemon.url})`,
    async () => {
      if (ended) return true; // reported below, without waiting out the deadline
      const res = await fetch(`${daemon.url}/healthz`);
      await res.body?.cancel();
      return res.status === 200;
    },
    { timeoutMs, retryErrors: true },
  ).catch((err: unknown) => {
    throw new Error(`${err instanceof Error ? err.message : String(err)}: ${daemon.stderr()}`);
  });
  if (ended) throw new Error(`restmq exited before serving: ${daemon.stderr()}`);
}

/** Starts `restmq serve --port <free> --listen 127.0.0.1 <args>` and waits until it serves. */
export async function startDaemon(args: readonly string[], options: SpawnOptions = {}): Promise<Daemon> {
  const port = await freePort();
  const daemon = spawnDaemon(
    ['serve', '--port', String(port), '--listen', '127.0.0.1', '--log-level', 'warn', ...args],
    `http://127.0.0.1:${port}`,
    options,
  );
  try {
    await waitHealthy(daemon);
  } catch (err) {
    await daemon.kill();
    throw err;
  }
  return daemon;
}

/** Runs `restmq <args>` to completion (for commands that exit by themselves). */
export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = cleanEnv(),
  timeoutMs = 10_000,
): { status: number | null; stdout: string; stderr: string } {
  assertBuilt();
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Pops `queue` through `/q/` until 204, returning the popped messages in order. */
export async function drain(url: string, queue: string, limit = 100_000): Promise<Array<{ key: string; value: string }>> {
  const out: Array<{ key: string; value: string }> = [];
  for (let i = 0; i < limit; i++) {
    const res = await fetch(`${url}/q/${queue}`);
    if (res.status === 204) return out;
    if (res.status !== 200) throw new Error(`pop answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { key: unknown; value: unknown };
    if (typeof body.key !== 'string' || typeof body.value !== 'string') throw new Error(`odd pop body ${JSON.stringify(body)}`);
    out.push({ key: body.key, value: body.value });
  }
  throw new Error(`${queue} did not drain within ${limit} pops`);
}
