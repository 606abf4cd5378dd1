// The Dispatcher on its own, with a real SQLite store and sinks that record what they get:
// the cases that sockets cannot time precisely (a consumer leaving while a take is in flight).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Dispatcher } from '../../src/core/dispatcher.js';
import type { StreamSink } from '../../src/core/dispatcher.js';
import type { RestMQError } from '../../src/core/errors.js';
import { LocalSignalBus } from '../../src/core/signals.js';
import type { StoredMessage } from '../../src/core/types.js';
import type { Store } from '../../src/store/contract.js';
import type { RedisBackend } from '../../src/store/redis/backend.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import { startRedis, openTestRedisBackend } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { queueName, tempDir } from '../support/server.js';
import { settle } from '../support/fake-clock.js';
import { append } from '../support/store-fill.js';

/** Wakes waiters of any sink: one per test file, shared by every sink. */
const changes = new EventEmitter();
changes.setMaxListeners(0);

/** Resolves once `check()` holds, re-checked whenever any sink changes. */
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
  readonly got: StoredMessage[] = [];
  ended: RestMQError | undefined;
  room = true;
  hasRoom(): boolean {
    return this.room;
  }
  write(message: StoredMessage): void {
    this.got.push(message);
    changes.emit('change');
  }
  end(reason: RestMQError): void {
    this.ended = reason;
    changes.emit('change');
  }
  until(check: () => boolean): Promise<void> {
    return until(check);
  }
}

describe('Dispatcher', () => {
  let store: Store;
  let dir: string;
  const signals = new LocalSignalBus();
  const log = { warn: () => undefined };
  const T = 1_800_000_000_000;
  const make = (): Dispatcher =>
    new Dispatcher({ store, signals, batchSize: 100, batchBytes: 1 << 20, retention: { maxMessages: 100, maxAgeMs: 60_000 }, log, now: () => T });
  const publish = async (queue: string, value: string): Promise<void> => {
    await append(store, queue, [{ value, expiresAt: null }], T);
    signals.emit({ kind: 'message', queue });
  };

  // The shared mode runs over the store it is for: a real Redis (one store and one bus
  // stand for two daemons' connections to it).
  let redis: RedisProcess;
  let redisBackend: RedisBackend;
  let sharedStore: Store;
  const publishShared = async (queue: string, value: string): Promise<void> => {
    await append(sharedStore, queue, [{ value, expiresAt: null }], T);
    signals.emit({ kind: 'message', queue });
  };

  before(async () => {
    dir = tempDir();
    store = openSqliteStore({ dataDir: dir, sync: 'normal' });
    redis = await startRedis();
    redisBackend = await openTestRedisBackend(redis.port, 'disp:');
    sharedStore = redisBackend.store;
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    await sharedStore?.close();
    await redisBackend?.signals.close();
    await redis?.stop();
  });

  it('broadcast: a message back from an expired lease, under a lower key, reaches a live consumer', async () => {
    // On the real clock: nothing signals the lease's end, only the Dispatcher's due timer.
    const d = new Dispatcher({ store, signals, batchSize: 100, batchBytes: 1 << 20, retention: { maxMessages: 100, maxAgeMs: 60_000 }, log });
    const queue = queueName('late');
    await append(store, queue, ['a', 'b', 'c'].map((value) => ({ value, expiresAt: null })), Date.now());
    const [leased] = await store.leases.lease(queue, ['receipt-late'], 300, Date.now());
    assert.equal(leased?.value, 'a');
    const sink = new RecordingSink();
    d.subscribe(queue, sink);
    await sink.until(() => sink.got.length === 2);
    await sink.until(() => sink.got.length === 3);
    assert.deepEqual(sink.got.map((m) => m.value), ['b', 'c', 'a']);
    await d.close();
  });

  it('shared store: a stop made through another daemon holds even before its config signal arrives', async () => {
    // This daemon has its own bus, so the other daemon's config signal never reaches it here.
    const bus = new LocalSignalBus();
    const d = new Dispatcher({ store: sharedStore, signals: bus, batchSize: 10, batchBytes: 1 << 20, retention: { maxMessages: 100, maxAgeMs: 60_000 }, log, now: () => T, sharedStore: true });
    const queue = queueName('stoprace');
    const sink = new RecordingSink();
    d.subscribe(queue, sink);
    await append(sharedStore, queue, [{ value: 'first', expiresAt: null }], T);
    bus.emit({ kind: 'message', queue });
    await sink.until(() => sink.got.length === 1);
    await sharedStore.queues.updateSettings(queue, { status: 'stopped' }, T);
    await append(sharedStore, queue, [{ value: 'paused', expiresAt: null }], T);
    bus.emit({ kind: 'message', queue });
    await d.close(); // waits for the pass that signal started
    assert.deepEqual(sink.got.map((m) => m.value), ['first']);
    assert.deepEqual((await sharedStore.messages.take(queue, 10, T)).map((m) => m.value), ['paused']);
    await bus.close();
  });

  it('refuses shared mode over a store without a shared history', () => {
    assert.throws(
      () => new Dispatcher({ store, signals, batchSize: 1, batchBytes: 1, retention: { maxMessages: 1, maxAgeMs: 1 }, log, sharedStore: true }),
      /sharedHistory/,
    );
  });

  it('roundrobin skips a full consumer and serves it again once it drained', async () => {
    const d = make();
    const queue = queueName('rr');
    await store.queues.updateSettings(queue, { policy: 'roundrobin' }, T);
    const a = new RecordingSink();
    const b = new RecordingSink();
    d.subscribe(queue, a);
    const subB = d.subscribe(queue, b);
    b.room = false;
    for (const v of ['1', '2', '3']) await publish(queue, v);
    await a.until(() => a.got.length === 3);
    assert.equal(b.got.length, 0);
    b.room = true;
    subB.drained();
    await publish(queue, '4');
    await publish(queue, '5');
    await b.until(() => b.got.length >= 1);
    await until(() => a.got.length + b.got.length === 5);
    assert.deepEqual([...a.got, ...b.got].map((m) => m.value).sort(), ['1', '2', '3', '4', '5']);
    await d.close();
  });

  it('nothing is taken while no consumer has room', async () => {
    const d = make();
    const queue = queueName('none');
    const full = new RecordingSink();
    full.room = false;
    const sub = d.subscribe(queue, full);
    await publish(queue, 'waits');
    await store.ping(); // a commit after the dispatcher's wake-up
    assert.equal((await store.queues.stats(queue, T))?.length, 1);
    full.room = true;
    sub.drained();
    await full.until(() => full.got.length === 1);
    await d.close();
  });

  it('a message taken for a consumer that left meanwhile goes back to its place', async () => {
    const d = make();
    const queue = queueName('gone');
    await store.queues.updateSettings(queue, { policy: 'roundrobin' }, T);
    const sink = new RecordingSink();
    const sub = d.subscribe(queue, sink);
    await publish(queue, 'warm-up');
    await sink.until(() => sink.got.length === 1);
    await settle(); // the dispatcher's follow-up take (finding nothing) is done: the next one is the test's
    await append(store, queue, [{ value: 'first', expiresAt: null }, { value: 'second', expiresAt: null }], T);
    signals.emit({ kind: 'message', queue }); // the take is submitted now, resolved on a later turn
    sub.cancel(); // the consumer leaves before it resolves
    await d.close();
    assert.equal(sink.got.length, 1);
    const left = await store.messages.take(queue, 10, T);
    assert.deepEqual(left.map((m) => [m.seq, m.value]), [[2, 'first'], [3, 'second']]);
  });

  it('broadcast: messages taken for consumers that all left go back, not into the history', async () => {
    const d = make();
    const queue = queueName('bcgone');
    const sink = new RecordingSink();
    const sub = d.subscribe(queue, sink);
    await publish(queue, 'warm-up');
    await sink.until(() => sink.got.length === 1);
    await settle(); // as above: no take of the dispatcher's own is in flight
    await append(store, queue, [{ value: 'kept', expiresAt: null }], T);
    signals.emit({ kind: 'message', queue });
    sub.cancel();
    await d.close();
    const history = await store.streams.readHistory(queue, 0, 10, T, { maxMessages: 100, maxAgeMs: 60_000 });
    assert.deepEqual(history.map((m) => m.value), ['warm-up']);
    assert.deepEqual((await store.messages.take(queue, 10, T)).map((m) => m.value), ['kept']);
  });

  it('shared store: consumers on two daemons each get every broadcast message once, in order', async () => {
    // Two dispatchers over one store and one bus stand for two daemons over one Redis.
    const shared = (): Dispatcher =>
      new Dispatcher({ store: sharedStore, signals, batchSize: 3, batchBytes: 1 << 20, retention: { maxMessages: 100, maxAgeMs: 60_000 }, log, now: () => T, sharedStore: true });
    const daemonA = shared();
    const daemonB = shared();
    const queue = queueName('shared');
    const a1 = new RecordingSink();
    const b1 = new RecordingSink();
    const b2 = new RecordingSink();
    daemonA.subscribe(queue, a1);
    daemonB.subscribe(queue, b1);
    daemonB.subscribe(queue, b2);
    const values = Array.from({ length: 10 }, (_, i) => `m${i + 1}`);
    for (const v of values) await publishShared(queue, v);
    for (const sink of [a1, b1, b2]) {
      await sink.until(() => sink.got.length === 10);
      assert.deepEqual(sink.got.map((m) => m.value), values);
    }
    // A daemon whose consumers are all full takes nothing; the other one still delivers.
    b1.room = false;
    b2.room = false;
    await publishShared(queue, 'm11');
    await a1.until(() => a1.got.length === 11);
    assert.equal(b1.got.length, 10);
    await Promise.all([daemonA.close(), daemonB.close()]);
  });

  it('shared store: round-robin across two daemons hands each message to exactly one consumer', async () => {
    const shared = (): Dispatcher =>
      new Dispatcher({ store: sharedStore, signals, batchSize: 100, batchBytes: 1 << 20, retention: { maxMessages: 100, maxAgeMs: 60_000 }, log, now: () => T, sharedStore: true });
    const daemonA = shared();
    const daemonB = shared();
    const queue = queueName('sharedrr');
    await sharedStore.queues.updateSettings(queue, { policy: 'roundrobin' }, T);
    const sinks = [new RecordingSink(), new RecordingSink(), new RecordingSink()];
    daemonA.subscribe(queue, sinks[0] as RecordingSink);
    daemonB.subscribe(queue, sinks[1] as RecordingSink);
    daemonB.subscribe(queue, sinks[2] as RecordingSink);
    await Promise.all(Array.from({ length: 30 }, (_, i) => publishShared(queue, `r${i}`)));
    const total = (): number => sinks.reduce((n, x) => n + x.got.length, 0);
    await until(() => total() === 30);
    const values = sinks.flatMap((x) => x.got.map((m) => m.value)).sort();
    assert.deepEqual(values, Array.from({ length: 30 }, (_, i) => `r${i}`).sort());
    for (const x of sinks) assert.ok(x.got.length > 0, 'every consumer got a share');
    await Promise.all([daemonA.close(), daemonB.close()]);
  });

  it('close ends every consumer with shutting_down after deliveries in flight', async () => {
    const d = make();
    const queue = queueName('close');
    await append(store, queue, [{ value: 'in flight', expiresAt: null }], T);
    const sink = new RecordingSink();
    d.subscribe(queue, sink);
    await d.close();
    assert.deepEqual(sink.got.map((m) => m.value), ['in flight']);
    assert.equal(sink.ended?.code, 'shutting_down');
    assert.throws(() => d.subscribe(queue, new RecordingSink()), /shutting down/);
  });
});
