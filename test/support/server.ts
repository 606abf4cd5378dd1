/**
 * Test support: start a real RestMQ server on a free port with its own temp data dir,
 * and talk to it over a real socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { DEFAULT_CONFIG } from '../../src/config.js';
import type { Config } from '../../src/config.js';
import type { Clock } from '../../src/core/clock.js';
import { startServer } from '../../src/server.js';
import type { RunningServer } from '../../src/server.js';

/** A server for one test file, plus cleanup. */
export interface TestServer extends RunningServer {
  readonly dataDir: string;
  /** Closes the server and removes its data dir. */
  stop(): Promise<void>;
}

/** A fresh temp folder removed by the caller. */
export function tempDir(prefix = 'restmq-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts a server on 127.0.0.1:0 with a temp SQLite store (and a silent logger unless given
 * one); with `clock` (a FakeClock), leases, delays, ttls and long-poll waits run on it.
 */
export async function startTestServer(overrides: Partial<Config> = {}, options: { now?: () => number; clock?: Clock; logger?: Logger } = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? tempDir();
  const config: Config = { ...DEFAULT_CONFIG, port: 0, listen: '127.0.0.1', dataDir, logLevel: 'silent', ...overrides };
  const server = await startServer(config, { logger: pino({ level: 'silent' }), ...options });
  return {
    ...server,
    dataDir,
    close: () => server.close(),
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A test server for the enclosing suite (or the whole file, at top level): started in
 * `before`, stopped in `after`. The answer forwards to the running server, so a file writes
 * `const server = useTestServer();` and uses `server.url` in its tests, instead of the
 * same hooks in every file.
 */
export function useTestServer(overrides: Partial<Config> = {}, options: Parameters<typeof startTestServer>[1] = {}): TestServer {
  let running: TestServer | undefined;
  before(async () => {
    running = await startTestServer(overrides, options);
  });
  after(async () => {
    await running?.stop();
  });
  return new Proxy({} as TestServer, {
    get(_target, key) {
      if (running === undefined) throw new Error('the test server starts in before(): use it inside a test or hook');
      return Reflect.get(running, key) as unknown;
    },
  });
}

/** A unique queue name per test, so tests sharing a server never see each other. */
export function queueName(prefix = 'q'): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** POSTs a url-encoded form. */
export function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}
