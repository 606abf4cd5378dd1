/**
 * `/metrics` over real sockets on both stores: a known workload, then the scraped text
 * parsed and every figure checked exactly; the per-queue label cap; the ACL (a token
 * without consume is refused, a scoped token sees only its queues); open connections by
 * transport coming and going.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OTHER_QUEUES, capQueues } from '../../src/metrics/queue-series.js';
import type { QueueStats } from '../../src/core/types.js';
import { STORES, basic, bearer, startAclServer, tokenSection, userSection, wsOpen } from '../access/helpers.js';
import type { AclServer } from '../access/helpers.js';

import { form, request } from '../support/http.js';
import { waitFor } from '../support/wait.js';

const TOKENS = { jobs: 'tok-jobs-consumer-1', producer: 'tok-jobs-producer-1' };
const ALICE = basic('alice', 'alice-pw');

async function aclText(): Promise<string> {
  return [
    await userSection('alice', 'alice-pw', '*', 'produce, consume, admin'),
    tokenSection('jobs', TOKENS.jobs, 'jobs.*', 'consume'),
    tokenSection('producer', TOKENS.producer, '*', 'produce'),
  ].join('\n');
}

/** One sample: metric name plus its labels. */
type Samples = Map<string, number>;

/** `name{a="x",b="y"}` with labels sorted, as the parser keys samples. */
function id(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}="${v}"`);
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`;
}

/** A small parser of the Prometheus text format (samples only; HELP and TYPE checked for presence). */
function parse(text: string): { samples: Samples; types: Map<string, string> } {
  const samples: Samples = new Map();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) {
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m !== null, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    const key = id(m[1] as string, labels);
    assert.ok(!samples.has(key), `duplicate sample ${key}`);
    samples.set(key, Number(m[3]));
  }
  return { samples, types };
}

async function scrape(url: string, headers: Record<string, string>): Promise<{ samples: Samples; types: Map<string, string> }> {
  const answer = await request(`${url}/metrics`, { headers });
  assert.equal(answer.status, 200, answer.text);
  assert.match(answer.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parse(answer.text);
}

function value(samples: Samples, name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.get(id(name, labels));
}

function queueSeries(samples: Samples): string[] {
  const queues = new Set<string>();
  for (const key of samples.keys()) {
    const m = /^restmq_queue_messages\{queue="([^"]+)",state="ready"\}$/.exec(key);
    if (m !== null) queues.add(m[1] as string);
  }
  return [...queues].sort();
}

async function ok(answer: Promise<{ status: number; text: string }>, status = 200): Promise<string> {
  const a = await answer;
  assert.equal(a.status, status, a.text);
  return a.text;
}

async function lease(url: string, queue: string): Promise<{ key: string; receipt: string }> {
  const body = JSON.parse(await ok(request(`${url}/q/${queue}?lease=60`, { headers: { ...ALICE, accept: 'application/json' } }))) as { key: string; receipt: string };
  return body;
}

for (const store of STORES) {
  describe(`/metrics on ${store}`, () => {
    let acl: AclServer;
    let url: string;

    before(async () => {
      acl = await startAclServer(store, await aclText(), { metricsQueueLabels: 2 });
      url = acl.server.url;
      // jobs.a: 5 plain, one with a dedup id sent twice, one delayed an hour.
      for (let i = 1; i <= 5; i++) await ok(form(`${url}/q/jobs.a`, { value: `m${i}` }, ALICE));
      await ok(form(`${url}/q/jobs.a`, { value: 'once', dedup: 'd-1' }, ALICE));
      await ok(form(`${url}/q/jobs.a`, { value: 'once', dedup: 'd-1' }, ALICE));
      await ok(form(`${url}/q/jobs.a`, { value: 'later', delay: '3600' }, ALICE));
      // Two pops, three leases: one acked, one released, one left out.
      await ok(request(`${url}/q/jobs.a`, { headers: ALICE }));
      await ok(request(`${url}/q/jobs.a`, { headers: ALICE }));
      const [a, b] = [await lease(url, 'jobs.a'), await lease(url, 'jobs.a'), await lease(url, 'jobs.a')];
      assert.ok(a !== undefined && b !== undefined);
      await ok(request(`${url}/q/jobs.a/${a.key}?receipt=${a.receipt}`, { method: 'DELETE', headers: ALICE }));
      await ok(request(`${url}/q/jobs.a/${b.key}/release?receipt=${b.receipt}`, { method: 'POST', headers: ALICE }));
      // other.b: max_length 2, three publishes, the third refused.
      const config = (queue: string, body: unknown) =>
        ok(request(`${url}/q/${queue}/config`, { method: 'PUT', headers: { ...ALICE, 'content-type': 'application/json' }, body: JSON.stringify(body) }));
      await config('other.b', { max_length: 2 });
      await ok(form(`${url}/q/other.b`, { value: 'b1' }, ALICE));
      await ok(form(`${url}/q/other.b`, { value: 'b2' }, ALICE));
      await ok(form(`${url}/q/other.b`, { value: 'b3' }, ALICE), 429);
      // jobs.c: one attempt only; its released lease is dead-lettered into jobs.c.dlq.
      await config('jobs.c', { max_attempts: 1 });
      await ok(form(`${url}/q/jobs.c`, { value: 'c1' }, ALICE));
      const c = await lease(url, 'jobs.c');
      await ok(request(`${url}/q/jobs.c/${c.key}/release?receipt=${c.receipt}`, { method: 'POST', headers: ALICE }));
    });
    after(() => acl.stop());

    it('counts the workload exactly', async () => {
      const { samples: s, types } = await scrape(url, ALICE);
      const expected: [string, Record<string, string>, number][] = [
        ['restmq_messages_published_total', {}, 10],
        ['restmq_messages_deduplicated_total', {}, 1],
        ['restmq_messages_refused_full_total', {}, 1],
        ['restmq_messages_delivered_total', { mode: 'pop' }, 2],
        ['restmq_messages_delivered_total', { mode: 'lease' }, 4],
        ['restmq_messages_delivered_total', { mode: 'stream' }, 0],
        ['restmq_messages_acked_total', {}, 1],
        ['restmq_messages_released_total', {}, 1],
        ['restmq_messages_dead_lettered_total', { reason: 'released' }, 1],
        ['restmq_messages_dead_lettered_total', { reason: 'lease_expired' }, 0],
        ['restmq_messages_expired_total', {}, 0],
        ['restmq_publish_to_delivery_seconds_count', { mode: 'pop' }, 2],
        ['restmq_publish_to_delivery_seconds_count', { mode: 'lease' }, 4],
        // The route pattern, never the raw URL: 8 + 3 + 1 publishes, the refused one too.
        ['restmq_http_request_duration_seconds_count', { method: 'POST', route: '/q/:queue' }, 12],
        ['restmq_http_request_duration_seconds_count', { method: 'PUT', route: '/q/:queue/config' }, 2],
        ['restmq_store_up', { store }, 1],
        ['restmq_queues', {}, 4],
        // The two deepest queues have their own labels; jobs.c and jobs.c.dlq are summed.
        ['restmq_queue_messages', { queue: 'jobs.a', state: 'ready' }, 2],
        ['restmq_queue_messages', { queue: 'jobs.a', state: 'leased' }, 1],
        ['restmq_queue_messages', { queue: 'jobs.a', state: 'delayed' }, 1],
        ['restmq_queue_dead_letters', { queue: 'jobs.a' }, 0],
        ['restmq_queue_messages', { queue: 'other.b', state: 'ready' }, 2],
        ['restmq_queue_messages', { queue: OTHER_QUEUES, state: 'ready' }, 1],
        ['restmq_queue_messages', { queue: OTHER_QUEUES, state: 'leased' }, 0],
        ['restmq_queue_dead_letters', { queue: OTHER_QUEUES }, 1],
        ['restmq_open_connections', { transport: 'comet' }, 0],
        ['restmq_open_connections', { transport: 'long_poll' }, 0],
      ];
      for (const [name, labels, want] of expected) assert.equal(value(s, name, labels), want, id(name, labels));
      assert.deepEqual(queueSeries(s), [OTHER_QUEUES, 'jobs.a', 'other.b']);
      assert.ok([...s.keys()].every((k) => !k.includes('route="/q/jobs.a')), 'no raw URL as a route label');
      assert.ok((value(s, 'restmq_queue_oldest_age_seconds', { queue: 'jobs.a' }) ?? -1) >= 0);
      assert.ok(value(s, 'nodejs_eventloop_lag_seconds') !== undefined, 'event-loop delay');
      assert.equal(s.has('restmq_sqlite_wal_bytes'), store === 'sqlite');
      assert.equal(types.get('restmq_messages_published_total'), 'counter');
      assert.equal(types.get('restmq_queue_messages'), 'gauge');
      assert.equal(types.get('restmq_http_request_duration_seconds'), 'histogram');
    });

    it('is refused without consume, and shows a scoped token only its queues', async () => {
      assert.equal((await request(`${url}/metrics`)).status, 401);
      assert.equal((await request(`${url}/metrics`, { headers: bearer(TOKENS.producer) })).status, 403);
      const { samples } = await scrape(url, bearer(TOKENS.jobs));
      // jobs.a, jobs.c.dlq (the deepest two of jobs.*) and jobs.c summed; other.b never shows.
      assert.deepEqual(queueSeries(samples), [OTHER_QUEUES, 'jobs.a', 'jobs.c.dlq']);
      assert.equal(value(samples, 'restmq_queues'), 3);
      assert.equal(value(samples, 'restmq_queue_dead_letters', { queue: 'jobs.c.dlq' }), 1);
      assert.equal(value(samples, 'restmq_queue_messages', { queue: OTHER_QUEUES, state: 'ready' }), 0);
    });

    it('counts open connections by transport while they are open, and a streamed delivery once', async () => {
      const open = (transport: string) => async () =>
        value((await scrape(url, ALICE)).samples, 'restmq_open_connections', { transport }) ?? -1;
      const comet = new AbortController();
      const sse = new AbortController();
      const poll = new AbortController();
      const cometRes = await fetch(`${url}/c/jobs.s`, { headers: ALICE, signal: comet.signal });
      const sseRes = await fetch(`${url}/sse/jobs.s`, { headers: ALICE, signal: sse.signal });
      assert.equal(cometRes.status, 200);
      assert.equal(sseRes.status, 200);
      const ws = await wsOpen(`${url.replace('http', 'ws')}/ws/jobs.s`, ALICE);
      assert.equal(ws.status, 101);
      const parked = fetch(`${url}/q/jobs.p?wait=20`, { headers: ALICE, signal: poll.signal }).catch(() => null);
      for (const transport of ['comet', 'sse', 'websocket', 'long_poll']) {
        const n = open(transport);
        await waitFor(`${transport} open`, async () => (await n()) === 1);
      }
      // Broadcast to three consumers: taken from the queue, and counted, once.
      const before = value((await scrape(url, ALICE)).samples, 'restmq_messages_delivered_total', { mode: 'stream' });
      assert.equal(before, 0);
      const got = new Promise((resolve) => ws.socket?.once('message', resolve));
      await ok(form(`${url}/q/jobs.s`, { value: 'streamed' }, ALICE));
      await got;
      const after = (await scrape(url, ALICE)).samples;
      assert.equal(value(after, 'restmq_messages_delivered_total', { mode: 'stream' }), 1);
      assert.equal(value(after, 'restmq_publish_to_delivery_seconds_count', { mode: 'stream' }), 1);
      comet.abort();
      sse.abort();
      poll.abort();
      ws.socket?.close();
      await parked;
      for (const transport of ['comet', 'sse', 'websocket', 'long_poll']) {
        const n = open(transport);
        await waitFor(`${transport} closed`, async () => (await n()) === 0);
      }
    });
  });
}

describe('the per-queue label cap', () => {
  const stats = (queue: string, length: number, oldestAgeMs: number | null = null): QueueStats => ({
    queue,
    length,
    ready: length,
    leased: 0,
    delayed: 0,
    deadLetters: 0,
    policy: 'broadcast',
    status: 'started',
    published: length,
    createdAt: 0,
    oldestKey: null,
    oldestAgeMs,
  });

  it('keeps the N deepest (ties by name), sums the rest into _other with the largest age', () => {
    const rows = capQueues([stats('a', 1, 5000), stats('b', 9), stats('c', 9), stats('d', 3, 2000), stats('e', 0)], 3);
    assert.deepEqual(
      rows.map((r) => [r.queue, r.ready, r.oldestAgeSeconds]),
      [['b', 9, 0], ['c', 9, 0], ['d', 3, 2], [OTHER_QUEUES, 1, 5]],
    );
  });

  it('gives every queue its own label at the cap exactly, and none at 0', () => {
    const all = [stats('a', 1), stats('b', 2)];
    assert.deepEqual(capQueues(all, 2).map((r) => r.queue), ['a', 'b']);
    assert.deepEqual(capQueues(all, 1).map((r) => r.queue), ['b', OTHER_QUEUES]);
    assert.deepEqual(capQueues(all, 0).map((r) => [r.queue, r.ready]), [[OTHER_QUEUES, 3]]);
  });

  it('always sums a real queue named _other into the summed series', () => {
    assert.deepEqual(capQueues([stats(OTHER_QUEUES, 7), stats('a', 1)], 5).map((r) => [r.queue, r.ready]), [['a', 1], [OTHER_QUEUES, 7]]);
  });
});
