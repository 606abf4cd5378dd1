// Batch ack over HTTP on a real socket, on SQLite and on Redis: `POST /q/<queue>/ack`
// acks leases in one request with one result per entry; refused entries (stale, expired,
// twice) change nothing; a bad shape (not an array, too many entries, another field, a key
// of another queue, a bad receipt, not JSON) is refused whole with a catalog 4xx and acks none.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_ACK_ENTRIES } from '../../src/operations/parse-ack-batch.js';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { postForm, queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

interface Leased {
  key: string;
  receipt: string;
}

interface AckAnswer {
  queue: string;
  acked: number;
  results: { key: string; acked: boolean; error?: { code: string; message: string } }[];
}

for (const kind of ['sqlite', 'redis'] as const) {
  describe(`batch ack over HTTP (${kind})`, () => {
    let server: TestServer;
    let redis: RedisProcess | undefined;
    let clock = Date.UTC(2030, 0, 1);

    before(async () => {
      if (kind === 'redis') redis = await startRedis();
      const store = redis === undefined ? {} : { redisUrl: `${redis.url}/0`, redisPrefix: `ab${process.pid}:` };
      server = await startTestServer(store, { now: () => clock });
    });
    after(async () => {
      await server.stop();
      await redis?.stop();
    });

    async function publish(queue: string, ...values: string[]): Promise<void> {
      for (const value of values) assert.equal((await postForm(`${server.url}/q/${queue}`, { value })).status, 200);
    }
    async function lease(queue: string, n: number, seconds = 30): Promise<Leased[]> {
      const res = await fetch(`${server.url}/q/${queue}?lease=${seconds}&n=${n}`);
      assert.equal(res.status, 200);
      return (await res.json()) as Leased[];
    }
    function ack(queue: string, body: string, type = 'application/json'): Promise<Response> {
      return fetch(`${server.url}/q/${queue}/ack`, { method: 'POST', headers: { 'content-type': type }, body });
    }
    async function errorOf(res: Response): Promise<{ code: string; message: string }> {
      return ((await res.json()) as { error: { code: string; message: string } }).error;
    }
    async function peekCount(queue: string): Promise<number> {
      const res = await fetch(`${server.url}/q/${queue}?peek=100`);
      return ((await res.json()) as unknown[]).length;
    }

    it('acks every leased message of a list in one request', async () => {
      const queue = queueName();
      await publish(queue, 'a', 'b', 'c');
      const leased = await lease(queue, 10);
      assert.equal(leased.length, 3);
      const res = await ack(queue, JSON.stringify(leased.map(({ key, receipt }) => ({ key, receipt }))));
      assert.equal(res.status, 200);
      const body = (await res.json()) as AckAnswer;
      assert.equal(body.queue, queue);
      assert.equal(body.acked, 3);
      assert.deepEqual(body.results, leased.map(({ key }) => ({ key, acked: true })));
      assert.equal(await peekCount(queue), 0);
    });

    it('answers per entry: stale, twice and expired entries are refused and change nothing', async () => {
      const queue = queueName();
      await publish(queue, 'a', 'b', 'c');
      const [a, b] = await lease(queue, 2, 10);
      assert.ok(a !== undefined && b !== undefined);
      const res = await ack(
        queue,
        JSON.stringify([
          { key: a.key, receipt: a.receipt },
          { key: a.key, receipt: a.receipt },
          { key: b.key, receipt: 'forgedreceipt123' },
          { key: `${queue}:3`, receipt: a.receipt },
        ]),
      );
      assert.equal(res.status, 200);
      const body = (await res.json()) as AckAnswer;
      assert.equal(body.acked, 1);
      assert.deepEqual(body.results.map((r) => [r.key, r.acked, r.error?.code ?? null]), [
        [a.key, true, null],
        [a.key, false, 'stale_receipt'],
        [b.key, false, 'stale_receipt'],
        [`${queue}:3`, false, 'stale_receipt'],
      ]);
      assert.equal(await peekCount(queue), 2, 'b (still leased) and c (ready) remain');
      clock += 11_000;
      const late = (await (await ack(queue, JSON.stringify([{ key: b.key, receipt: b.receipt }]))).json()) as AckAnswer;
      assert.deepEqual(late.results.map((r) => r.error?.code), ['lease_expired']);
    });

    it('refuses a bad shape whole with 400 invalid_ack_batch, naming the entry, and acks none', async () => {
      const queue = queueName();
      await publish(queue, 'a');
      const [a] = await lease(queue, 1);
      assert.ok(a !== undefined);
      const good = { key: a.key, receipt: a.receipt };
      const cases: [string, RegExp | null][] = [
        ['{}', null],
        ['[]', null],
        ['"x"', null],
        [JSON.stringify([good, 'x']), /ack entry 1/],
        [JSON.stringify([good, { ...good, extra: 1 }]), /ack entry 1: unknown field "extra"/],
        [JSON.stringify([{ receipt: a.receipt }]), /ack entry 0: key/],
        [JSON.stringify([{ key: 'other:1', receipt: a.receipt }]), /does not belong to queue/],
        [JSON.stringify([{ key: a.key, receipt: 'no' }]), /ack entry 0: receipt/],
        [JSON.stringify([{ key: a.key }]), /ack entry 0: receipt/],
        [JSON.stringify(Array.from({ length: MAX_ACK_ENTRIES + 1 }, () => good)), /1 to 1000 entries/],
      ];
      for (const [body, message] of cases) {
        const res = await ack(queue, body);
        assert.equal(res.status, 400, body.slice(0, 80));
        const error = await errorOf(res);
        assert.equal(error.code, 'invalid_ack_batch', body.slice(0, 80));
        if (message !== null) assert.match(error.message, message);
      }
      const malformed = await ack(queue, '[{"key":');
      assert.equal(malformed.status, 400);
      assert.equal((await errorOf(malformed)).code, 'malformed_json');
      const form = await ack(queue, 'key=x', 'application/x-www-form-urlencoded');
      assert.equal(form.status, 415);
      assert.equal((await errorOf(form)).code, 'unsupported_media_type');
      // Nothing above acked: the lease still holds, and a good request acks it.
      const ok = (await (await ack(queue, JSON.stringify([good]))).json()) as AckAnswer;
      assert.equal(ok.acked, 1);
    });

    it('takes the most entries allowed in one request', async () => {
      const queue = queueName();
      await publish(queue, 'a');
      const [a] = await lease(queue, 1);
      assert.ok(a !== undefined);
      const entries = Array.from({ length: MAX_ACK_ENTRIES }, () => ({ key: a.key, receipt: a.receipt }));
      const body = (await (await ack(queue, JSON.stringify(entries))).json()) as AckAnswer;
      assert.equal(body.results.length, MAX_ACK_ENTRIES);
      assert.equal(body.acked, 1);
    });
  });
}
