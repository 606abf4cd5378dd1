/**
 * Test support: runs the built CLI (`bin/restmq`, which loads dist/) as a real child
 * process on a free port and learns its URL from its "restmq serving" log line.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/restmq', import.meta.url));

/** A daemon started from the command line. */
export interface Daemon {
  readonly url: string;
  /** Everything it logged so far. */
  output(): string;
  /** SIGTERM, and waits for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `restmq serve --port 0 ...args` and waits until it listens. */
export function spawnDaemon(args: readonly string[], env: Record<string, string> = {}): Promise<Daemon> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--log-level', 'info', ...args], {
    env: { ...process.env, ...env, RESTMQ_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`daemon did not start in time:\n${output}`));
    }, 15_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = /"port":(\d+)[^\n]*"msg":"restmq serving"/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      resolve({
        url: `http://127.0.0.1:${match[1] ?? ''}`,
        output: () => output,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${String(code)} before serving:\n${output}`));
    });
  });
}
