/**
 * `/metrics` after messages leave on their own, on both stores: messages whose ttl passed
 * are counted in `restmq_messages_expired_total` once the store drops them (a scrape or a
 * take on Redis, the maintenance pass on SQLite), and messages whose last lease expired
 * are counted in `restmq_messages_dead_lettered_total{reason="lease_expired"}` when the
 * store moves them. Real time: ttls and leases of one second, conditions polled.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORES, basic, startAclServer, userSection } from '../access/helpers.js';
import type { AclServer } from '../access/helpers.js';
import { form, request } from '../support/http.js';
import { waitFor } from '../support/wait.js';

const ALICE = basic('alice', 'alice-pw');

/** The value of one sample line `name{labels} value` of a scrape, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(url: string): Promise<string> {
  const answer = await request(`${url}/metrics`, { headers: ALICE });
  assert.equal(answer.status, 200, answer.text);
  return answer.text;
}

async function ok(answer: Promise<{ status: number; text: string }>, status = 200): Promise<string> {
  const a = await answer;
  assert.equal(a.status, status, a.text);
  return a.text;
}

for (const store of STORES) {
  describe(`/metrics counts expiries and lease-expiry dead letters on ${store}`, () => {
    let acl: AclServer;
    let url: string;

    before(async () => {
      acl = await startAclServer(store, await userSection('alice', 'alice-pw', '*', 'produce, consume, admin'));
      url = acl.server.url;
    });
    after(() => acl.stop());

    it('three messages past their ttl are counted once as expired, the one without a ttl is not', { timeout: 30_000 }, async () => {
      for (let i = 1; i <= 3; i++) await ok(form(`${url}/q/exp.a`, { value: `t${i}`, ttl: '1' }, ALICE));
      await ok(form(`${url}/q/exp.a`, { value: 'stays' }, ALICE));
      assert.equal(sample(await scrape(url), 'restmq_messages_expired_total'), 0);
      // SQLite drops them in its maintenance pass (every 5 s); Redis in the scrape's stats.
      await waitFor('three expired', async () => sample(await scrape(url), 'restmq_messages_expired_total') === 3, 20_000);
      const text = await scrape(url);
      assert.equal(sample(text, 'restmq_messages_expired_total'), 3, 'counted once, however often scraped');
      assert.equal(sample(text, 'restmq_queue_messages{queue="exp.a",state="ready"}'), 1);
      assert.equal(sample(text, 'restmq_messages_dead_lettered_total{reason="lease_expired"}'), 0);
    });

    it('two leases that expire on their last attempt are counted as dead-lettered for lease_expired', { timeout: 30_000 }, async () => {
      await ok(request(`${url}/q/exp.l/config`, { method: 'PUT', headers: { ...ALICE, 'content-type': 'application/json' }, body: JSON.stringify({ max_attempts: 1 }) }));
      await ok(form(`${url}/q/exp.l`, { value: 'l1' }, ALICE));
      await ok(form(`${url}/q/exp.l`, { value: 'l2' }, ALICE));
      const leased = JSON.parse(await ok(request(`${url}/q/exp.l?lease=1&n=2`, { headers: { ...ALICE, accept: 'application/json' } }))) as unknown[];
      assert.equal(leased.length, 2);
      // Once the leases ended, a take on the queue settles them into exp.l.dlq.
      await waitFor('the dead letters', async () => {
        await ok(request(`${url}/q/exp.l`, { headers: ALICE }), 204);
        const text = await scrape(url);
        return sample(text, 'restmq_queue_dead_letters{queue="exp.l.dlq"}') === 2;
      }, 20_000);
      const text = await scrape(url);
      assert.equal(sample(text, 'restmq_messages_dead_lettered_total{reason="lease_expired"}'), 2);
      assert.equal(sample(text, 'restmq_messages_dead_lettered_total{reason="released"}'), 0);
      assert.equal(sample(text, 'restmq_messages_expired_total'), 3, 'unchanged by the moves');
    });
  });
}
