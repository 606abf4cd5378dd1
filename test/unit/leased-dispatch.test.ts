// Leased streaming consumers in the Dispatcher, on SQLite and on a real Redis, with sinks
// that record what they get: the cases sockets cannot time precisely (a consumer leaving
// while its lease is being taken) and a full consumer being skipped. The clock is fixed,
// so no lease ever ends by time here: a message that comes back was released.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Dispatcher } from '../../src/core/dispatcher.js';
import type { StreamSink } from '../../src/core/dispatcher.js';
import type { RestMQError } from '../../src/core/errors.js';
import { LocalSignalBus } from '../../src/core/signals.js';
import type { LeasedMessage, StoredMessage } from '../../src/core/types.js';
import type { Store } from '../../src/store/contract.js';
import type { RedisBackend } from '../../src/store/redis/backend.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { startRedis, openTestRedisBackend } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { queueName, tempDir } from '../support/server.js';
import { append } from '../support/store-fill.js';

const changes = new EventEmitter();
changes.setMaxListeners(0);

function until(check: () => boolean, ms = 5000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onChange = (): void => {
      if (!check()) return;
      clearTimeout(timer);
      changes.off('change', onChange);
      resolve();
    };
    const timer = setTimeout(() => {
      changes.off('change', onChange);
      reject(new Error('timed out'));
    }, ms);
    changes.on('change', onChange);
  });
}

class RecordingSink implements StreamSink {
  readonly got: LeasedMessage[] = [];
  room = true;
  /** Called on every hasRoom(), before it answers. */
  onAsked: () => void = () => undefined;
  hasRoom(): boolean {
    this.onAsked();
    return this.room;
  }
  write(message: StoredMessage): void {
    assert.ok('receipt' in message, 'a leased consumer gets leased messages');
    this.got.push(message as LeasedMessage);
    changes.emit('change');
  }
  end(_reason: RestMQError): void {
    changes.emit('change');
  }
}

const T = 1_800_000_000_000;

function suite(name: string, open: () => Promise<{ store: Store; close: () => Promise<void> }>): void {
  describe(`leased streaming consumers (${name})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const signals = new LocalSignalBus();
    const log = { warn: () => undefined };
    const make = (): Dispatcher =>
      new Dispatcher({ store, signals, batchSize: 100, batchBytes: 1 << 20, retention: { maxMessages: 100, maxAgeMs: 60_000 }, log, now: () => T });
    const publish = async (queue: string, value: string): Promise<void> => {
      await append(store, queue, [{ value, expiresAt: null }], T);
      signals.emit({ kind: 'message', queue });
    };

    before(async () => {
      ({ store, close } = await open());
    });
    after(() => close());

    it('a lease taken for a consumer that left meanwhile is released at once', async () => {
      const d = make();
      const queue = queueName('gone');
      await append(store, queue, [{ value: 'v', expiresAt: null }], T);
      const leaving = new RecordingSink();
      // The consumer is chosen (its room asked), then leaves while the lease is taken.
      const subscription = d.subscribeLeased(queue, leaving, 30);
      leaving.onAsked = () => {
        leaving.onAsked = () => undefined;
        subscription.cancel();
      };
      const other = new RecordingSink();
      d.subscribeLeased(queue, other, 30);
      await until(() => other.got.length === 1);
      assert.equal(leaving.got.length, 0);
      // The clock never moved: only a release can have made it ready again.
      assert.equal(other.got[0]?.value, 'v');
      assert.equal(other.got[0]?.attempts, 2);
      await d.close();
    });

    it('leased consumers take turns, a full one is skipped, and acked messages are gone', async () => {
      const d = make();
      const queue = queueName('turns');
      const a = new RecordingSink();
      const b = new RecordingSink();
      d.subscribeLeased(queue, a, 30);
      d.subscribeLeased(queue, b, 30);
      await publish(queue, 'm1');
      await until(() => a.got.length + b.got.length === 1);
      await publish(queue, 'm2');
      await until(() => a.got.length + b.got.length === 2);
      assert.deepEqual([a.got.length, b.got.length], [1, 1]);
      a.room = false;
      await publish(queue, 'm3');
      await publish(queue, 'm4');
      await until(() => b.got.length === 3);
      assert.equal(a.got.length, 1);
      for (const m of [...a.got, ...b.got]) assert.equal(await store.leases.ack(queue, m.seq, m.receipt, T), 'acked');
      assert.deepEqual(await store.messages.peek(queue, 10, T), []);
      assert.equal(d.consumerCount(queue), 2);
      await d.close();
    });
  });
}

suite('sqlite', () => {
  const dir = tempDir();
  const store = openSqliteStore({ dataDir: dir, sync: 'normal' });
  return Promise.resolve({
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

suite('redis', async () => {
  const redis: RedisProcess = await startRedis();
  const backend: RedisBackend = await openTestRedisBackend(redis.port, 'lease-disp:');
  return {
    store: backend.store,
    close: async () => {
      await backend.store.close();
      await backend.signals.close();
      await redis.stop();
    },
  };
});
