/**
 * What a fault scenario attacks. A target serves RestMQ at a URL, can inject one fault
 * and recover from it, and tells clients when it serves again, so they wait on that event
 * rather than on a timer. The SQLite target kills the daemon with SIGKILL; the Redis targets
 * (redis-target.ts: killing redis-server, cutting the link, killing one of two daemons)
 * implement the same interface.
 */
import { rmSync } from 'node:fs';
import { startCliServer } from '../support/cli-server.js';
import type { CliServer } from '../support/cli-server.js';
import { tempDir } from '../support/server.js';

/** A system under test plus its nemesis. */
export interface FaultTarget {
  /** E.g. `sqlite, kill -9 of the daemon`. */
  readonly description: string;
  /** Base URL clients use; stable across faults. */
  readonly url: string;
  /** Resolves when the target serves (at once when it does now). */
  whenUp(): Promise<void>;
  /** Injects one fault and recovers from it; resolves once the target serves again. */
  fault(): Promise<void>;
  /** Ends the target cleanly; resolves with whether the clean shutdown succeeded. */
  close(): Promise<boolean>;
  /**
   * Error statuses that do not prove nothing happened. On Redis a 503 may follow a script
   * Redis ran whose reply the fault cut, so such a publish is indeterminate and such a pop
   * may have taken a message. Absent: every error answer is a definite failure.
   */
  readonly indeterminateStatuses?: readonly number[];
}

/** A deferred "serving again" signal. */
export class UpSignal {
  private promise: Promise<void> = Promise.resolve();
  private resolve: (() => void) | null = null;

  down(): void {
    if (this.resolve !== null) return;
    this.promise = new Promise<void>((resolve) => {
      this.resolve = resolve;
    });
  }

  up(): void {
    this.resolve?.();
    this.resolve = null;
  }

  wait(): Promise<void> {
    return this.promise;
  }
}

/** The real CLI daemon on SQLite (`--sync full`), killed with SIGKILL and restarted on the same port and data dir. */
export async function startSqliteKillTarget(): Promise<FaultTarget & { readonly restarts: () => number }> {
  const dataDir = tempDir('restmq-fault-');
  let server: CliServer;
  try {
    server = await startCliServer({ dataDir, sync: 'full' });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const port = server.port;
  const up = new UpSignal();
  let restarts = 0;
  let closed = false;
  return {
    description: 'SQLite --sync full, daemon killed with SIGKILL and restarted',
    url: server.url,
    restarts: () => restarts,
    whenUp: () => up.wait(),
    async fault() {
      if (closed) throw new Error('target closed');
      up.down();
      await server.kill();
      server = await startCliServer({ dataDir, port, sync: 'full' });
      restarts++;
      up.up();
    },
    async close() {
      closed = true;
      try {
        const code = await server.stop();
        return code === 0;
      } finally {
        up.up();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
