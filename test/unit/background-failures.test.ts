// Background failures of a store are logged at warn, once per minute per kind of work,
// with the count left unlogged in between; a Redis maintenance pass that fails is one.
import { openTestRedisBackend } from '../support/redis.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackgroundFailures, WARN_INTERVAL_MS } from '../../src/store/background-failures.js';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { FakeClock, settle } from '../support/fake-clock.js';
import { waitFor } from '../support/wait.js';

function recorder(): { lines: { details: Record<string, unknown>; message: string }[]; warn: (details: object, message: string) => void } {
  const lines: { details: Record<string, unknown>; message: string }[] = [];
  return { lines, warn: (details, message) => lines.push({ details: { ...details }, message }) };
}

describe('background failures', () => {
  it('logs once per interval per kind of work, then the count it held back', () => {
    const log = recorder();
    let now = 0;
    const failures = new BackgroundFailures(log, () => now);
    failures.failed('maintenance', new Error('down'));
    failures.failed('maintenance', new Error('down'));
    failures.failed('due registry mark', new Error('down'));
    now = WARN_INTERVAL_MS - 1;
    failures.failed('maintenance', new Error('still down'));
    assert.deepEqual(log.lines.map((l) => l.message), ['store maintenance failed (retried later): down', 'store due registry mark failed (retried later): down']);
    now = WARN_INTERVAL_MS;
    failures.failed('maintenance', 'still down');
    assert.equal(log.lines.length, 3);
    assert.deepEqual(log.lines[2]?.details, { work: 'maintenance', reason: 'still down', unloggedSince: 2 });
  });

  it('a Redis maintenance pass that fails is logged at warn, once, not swallowed', async () => {
    const port = await closedPort();
    const lines: { level: string; message: string }[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(parseLine(line)) });
    const clock = new FakeClock();
    const backend = await openTestRedisBackend(port, 'bgf:', { timeoutMs: 200, logger, clock, maintenanceIntervalMs: 1000 });
    try {
      await clock.advance(1000);
      await waitFor('the failed pass to be logged', () => lines.some((l) => l.message.startsWith('store maintenance failed')));
      await clock.advance(3000); // three more failing passes within the minute: no more lines
      await settle(10);
      const warned = lines.filter((l) => l.message.startsWith('store maintenance failed'));
      assert.equal(warned.length, 1);
      assert.equal(warned[0]?.level, 'warn');
    } finally {
      await backend.store.close();
      await backend.signals.close();
    }
  });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function parseLine(line: string): { level: string; message: string } {
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed !== 'object' || parsed === null) return { level: '', message: '' };
  const { level, msg } = parsed as { level?: unknown; msg?: unknown };
  return { level: level === 40 ? 'warn' : String(level), message: typeof msg === 'string' ? msg : '' };
}
