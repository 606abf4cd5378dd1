// The dashboard's stats stream over a real socket: a snapshot first, then updates that carry
// only the rows that changed (and the queues gone); rows only for queues the caller may
// consume; the stream ends with a reason at shutdown. Also the hour history's bounds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Operations } from '../../src/operations/index.js';
import type { QueueStats } from '../../src/core/types.js';
import { ConsumerRegistry } from '../../src/dashboard/consumers.js';
import { HistoryRing } from '../../src/dashboard/history.js';
import { StatsSampler } from '../../src/dashboard/sampler.js';
import type { Tick } from '../../src/dashboard/sampler.js';
import { StatsStream } from '../../src/http/routes/dashboard-api.js';
import type { DashboardApiDeps } from '../../src/http/routes/dashboard-api.js';
import { bearer, startAclServer, tokenSection } from '../access/helpers.js';
import { form, request } from '../support/http.js';
import { waitFor } from '../support/wait.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

interface StreamEvent {
  readonly name: string;
  readonly data: Record<string, unknown>;
}

/** Reads server-sent events from `url` into a list until the returned `stop` is called. */
async function readEvents(url: string, headers: Record<string, string> = {}): Promise<{ events: StreamEvent[]; ended: Promise<void>; stop: () => void }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: StreamEvent[] = [];
  const ended = (async () => {
    let buffer = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body ?? []) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (name !== undefined && data !== undefined) events.push({ name, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    } catch {
      // aborted by stop()
    }
  })();
  return { events, ended, stop: () => abort.abort() };
}

function rowNames(event: StreamEvent): string[] {
  return (event.data['rows'] as unknown[][]).map((row) => String(row[0]));
}

describe('dashboard stats stream', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ dashboardIntervalMs: 100 });
  });

  after(async () => {
    await server.stop();
  });

  it('sends a snapshot, then only the rows that changed', async () => {
    const q = queueName('stream');
    const still = queueName('stream');
    await form(`${server.url}/q/${q}`, { value: 'a' });
    await form(`${server.url}/q/${still}`, { value: 'b' });
    const stream = await readEvents(`${server.url}/dashboard/api/stats`);
    try {
      await waitFor('a snapshot and updates', () => Promise.resolve(stream.events.length >= 3), 5000);
      const [snapshot] = stream.events;
      assert.equal(snapshot?.name, 'snapshot');
      assert.deepEqual(snapshot?.data['columns'], ['queue', 'length', 'ready', 'leased', 'delayed', 'dead', 'published', 'status', 'policy', 'oldest_at', 'in_rate', 'out_rate', 'consumers']);
      const row = (snapshot?.data['rows'] as unknown[][]).find((r) => r[0] === q);
      assert.deepEqual(row?.slice(0, 9), [q, 1, 1, 0, 0, 0, 1, 'started', 'broadcast']);
      assert.ok(Array.isArray((snapshot?.data['spark'] as Record<string, unknown>)[q]));
      await form(`${server.url}/q/${q}`, { value: 'c' });
      await waitFor('the changed row', () => Promise.resolve(stream.events.some((e) => e.name === 'update' && rowNames(e).includes(q))), 5000);
      assert.ok(stream.events.every((e) => e.name === 'snapshot' || !rowNames(e).includes(still)), 'an unchanged queue is not sent again');
      await request(`${server.url}/q/${q}?drop=1`, { method: 'DELETE' });
      await waitFor('the dropped queue', () => Promise.resolve(stream.events.some((e) => (e.data['gone'] as string[] | undefined)?.includes(q) === true)), 5000);
    } finally {
      stream.stop();
      await stream.ended;
    }
  });

  it('ends with a closing event at shutdown', async () => {
    const own = await startTestServer({ dashboardIntervalMs: 100 });
    const stream = await readEvents(`${own.url}/dashboard/api/stats`);
    await waitFor('the snapshot', () => Promise.resolve(stream.events.length >= 1), 5000);
    await own.stop();
    await stream.ended;
    assert.deepEqual(stream.events.at(-1), { name: 'close', data: { code: 'shutting_down', message: 'the server is shutting down' } });
  });
});

describe('dashboard stats stream under an ACL', () => {
  it('holds only the rows of queues the caller may consume', async () => {
    const acl = await startAclServer('sqlite', tokenSection('team', 'rmq_team-token-0123456789', 'team.*', 'consume, produce'), { dashboardIntervalMs: 100 });
    try {
      await acl.server.broker.publish('team.a', { value: 'x', ttlSeconds: null });
      await acl.server.broker.publish('other.b', { value: 'y', ttlSeconds: null });
      const stream = await readEvents(`${acl.server.url}/dashboard/api/stats`, bearer('rmq_team-token-0123456789'));
      try {
        await waitFor('the visible queue', () => Promise.resolve(stream.events.some((e) => rowNames(e).includes('team.a'))), 5000);
        await form(`${acl.server.url}/q/team.a`, { value: 'z' }, bearer('rmq_team-token-0123456789'));
        await acl.server.broker.publish('other.b', { value: 'w', ttlSeconds: null });
        await waitFor('an update', () => Promise.resolve(stream.events.filter((e) => rowNames(e).includes('team.a')).length >= 2), 5000);
        assert.ok(stream.events.every((e) => !JSON.stringify(e.data).includes('other.b')), 'other.b never appears');
      } finally {
        stream.stop();
        await stream.ended;
      }
    } finally {
      await acl.stop();
    }
  });
});

describe('dashboard history ring', () => {
  const stats = (queue: string, ready: number, published: number): QueueStats => ({
    queue, length: ready, ready, leased: 0, delayed: 0, deadLetters: 0, policy: 'broadcast', status: 'started', published, createdAt: 0, oldestKey: null, oldestAgeMs: null,
  });

  it('keeps a bounded number of points, oldest first', () => {
    const ring = new HistoryRing(1_800_000); // a 30-minute step: 2 points cover the hour
    assert.equal(ring.size, 2);
    ring.record(1, [stats('a', 1, 1)]);
    ring.record(2, [stats('a', 2, 5)]);
    ring.record(3, [stats('a', 3, 9)]);
    assert.deepEqual(ring.series('a'), { t: [2, 3], ready: [2, 3], leased: [0, 0], delayed: [0, 0], dead: [0, 0], published: [5, 9] });
    assert.deepEqual(ring.depths('a', 30), [2, 3]);
  });

  it('caps the queues it follows and forgets queues that are gone', () => {
    const ring = new HistoryRing(16_000, 2);
    ring.record(1, [stats('a', 1, 1), stats('b', 1, 1), stats('c', 1, 1)]);
    assert.equal(ring.tracked, 2);
    assert.equal(ring.series('c'), null, 'beyond the cap: no history');
    ring.record(2, [stats('b', 2, 2), stats('c', 2, 2)]);
    assert.equal(ring.series('a'), null, 'a is gone');
    assert.deepEqual(ring.series('c')?.ready, [2], 'c took the freed place from its first point');
    assert.deepEqual(ring.series('b')?.ready, [1, 2]);
  });

  it('holds at most 450 points whatever the step', () => {
    assert.equal(new HistoryRing(100).size, 450);
    assert.equal(new HistoryRing(16_000).size, 225);
  });
});

describe('dashboard stats stream, a peer that stops reading', () => {
  /** A response whose peer reads nothing: every write stays unsent. */
  class StuckResponse extends EventEmitter {
    writableLength = 0;
    destroyed = false;
    writableEnded = false;
    readonly written: string[] = [];
    readonly socket = { destroy: () => (this.destroyed = true) };
    write(text: string): boolean {
      this.written.push(text);
      this.writableLength += Buffer.byteLength(text);
      return false;
    }
    end(text: string): void {
      this.written.push(text);
      this.writableEnded = true;
    }
  }

  it('is ended with slow_consumer once --stream-buffer-bytes wait unsent, and cut after a grace', async () => {
    const res = new StuckResponse();
    const sampler = new StatsSampler({ allStats: () => Promise.resolve([]), consumers: (q) => new ConsumerRegistry().counts(q, 0), intervalMs: 100 });
    const deps: DashboardApiDeps = { ops: {} as Operations, sampler, consumers: new ConsumerRegistry(), storeKind: 'sqlite', bufferBytes: 1024, intervalMs: 100 };
    const stream = new StatsStream(res as unknown as ServerResponse, { principal: null } as unknown as FastifyRequest, deps);
    const row = JSON.stringify(['q', 1, 1, 0, 0, 0, 1, 'started', 'broadcast', 0, 0, 0, [0, 0, 0, 0]]);
    const tick = (n: number): Tick => ({ at: n, rows: new Map([['q', row.replace('"q"', `"q${n}"`)]]), changed: ['q'], gone: [], history: false, error: null });
    let n = 0;
    while (!res.writableEnded && n < 1000) stream.send(tick(++n));
    assert.ok(res.writableEnded, 'the stream ended');
    assert.ok(res.written.length > 5, `${res.written.length} events before it was cut`);
    assert.match(res.written.at(-1) ?? '', /^event: close\ndata: \{"code":"slow_consumer"/);
    assert.equal(res.destroyed, false);
    await waitFor('the cut after the grace', () => Promise.resolve(res.destroyed), 3000);
    sampler.close();
  });
});
