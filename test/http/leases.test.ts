// Leases over HTTP on a real socket, with a fake clock driving expiry: lease, ack, release,
// extend, redelivery with attempts, dead letters at exactly max_attempts, redrive, receipts
// checked, leases surviving a restart, and the JSON protocol's lease commands.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { postForm, queueName, startTestServer, tempDir } from '../support/server.js';
import type { TestServer } from '../support/server.js';

interface Leased {
  key: string;
  value: string;
  count: number;
  receipt: string;
  attempts: number;
  lease_expires_at: string;
}

describe('leases over HTTP', () => {
  let server: TestServer;
  let clock = Date.UTC(2030, 0, 1);
  const advance = (seconds: number): void => {
    clock += seconds * 1000;
  };

  before(async () => {
    server = await startTestServer({}, { now: () => clock });
  });
  after(() => server.stop());

  const url = (path: string): string => `${server.url}${path}`;
  async function publish(queue: string, value: string): Promise<string> {
    const res = await postForm(url(`/q/${queue}`), { value });
    assert.equal(res.status, 200);
    return (await res.text()).trim();
  }
  async function lease(queue: string, query = 'lease=30'): Promise<Leased> {
    const res = await fetch(url(`/q/${queue}?${query}`));
    assert.equal(res.status, 200);
    return (await res.json()) as Leased;
  }
  async function errorCode(res: Response): Promise<string> {
    const body = (await res.json()) as { error: { code: string } };
    return body.error.code;
  }

  it('leases with receipt, attempts and expiry; acks with the receipt', async () => {
    const queue = queueName();
    const key = await publish(queue, 'hello');
    const leased = await lease(queue);
    assert.equal(leased.key, key);
    assert.equal(leased.value, 'hello');
    assert.equal(leased.attempts, 1);
    assert.match(leased.receipt, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(leased.lease_expires_at, new Date(clock + 30_000).toISOString());
    assert.equal((await fetch(url(`/q/${queue}?lease=30`))).status, 204);
    assert.equal((await fetch(url(`/q/${queue}`))).status, 204, 'a leased message cannot be popped');
    const ack = await fetch(url(`/q/${queue}/${key}?receipt=${leased.receipt}`), { method: 'DELETE' });
    assert.equal(ack.status, 200);
    assert.deepEqual(await ack.json(), { queue, key, acked: true });
    assert.equal((await fetch(url(`/q/${queue}/${key}`))).status, 404);
  });

  it('redelivers after expiry with attempts counted, and refuses the stale receipt', async () => {
    const queue = queueName();
    const key = await publish(queue, 'retry me');
    const first = await lease(queue, 'lease=10');
    advance(10);
    const second = await lease(queue, 'lease=10');
    assert.equal(second.key, key);
    assert.equal(second.attempts, 2);
    assert.notEqual(second.receipt, first.receipt);
    const stale = await fetch(url(`/q/${queue}/${key}?receipt=${first.receipt}`), { method: 'DELETE' });
    assert.equal(stale.status, 409);
    assert.equal(await errorCode(stale), 'stale_receipt');
    const forged = await fetch(url(`/q/${queue}/${key}?receipt=AAAAAAAAAAAAAAAAAAAAAAAA`), { method: 'DELETE' });
    assert.equal(forged.status, 409);
    assert.equal(await errorCode(forged), 'stale_receipt');
    const peek = (await (await fetch(url(`/q/${queue}/${key}`))).json()) as { state: string; attempts: number };
    assert.deepEqual([peek.state, peek.attempts], ['leased', 2], 'refused acks changed nothing');
    advance(10);
    const expired = await fetch(url(`/q/${queue}/${key}?receipt=${second.receipt}`), { method: 'DELETE' });
    assert.equal(expired.status, 409);
    assert.equal(await errorCode(expired), 'lease_expired');
  });

  it('releases now or with a delay, and extends', async () => {
    const queue = queueName();
    const key = await publish(queue, 'x');
    const leased = await lease(queue);
    const released = await fetch(url(`/q/${queue}/${key}/release?receipt=${leased.receipt}&delay=20`), { method: 'POST' });
    assert.equal(released.status, 200);
    const body = (await released.json()) as { released: boolean; visible_at: string };
    assert.equal(body.visible_at, new Date(clock + 20_000).toISOString());
    assert.equal((await fetch(url(`/q/${queue}?lease=30`))).status, 204);
    advance(20);
    const again = await lease(queue, 'lease=5');
    assert.equal(again.attempts, 2);
    const extended = await fetch(url(`/q/${queue}/${key}/extend?receipt=${again.receipt}&lease=60`), { method: 'POST' });
    assert.equal(extended.status, 200);
    assert.equal(((await extended.json()) as { lease_expires_at: string }).lease_expires_at, new Date(clock + 60_000).toISOString());
    advance(30);
    assert.equal((await fetch(url(`/q/${queue}?lease=30`))).status, 204, 'the extended lease still holds');
    const now = await fetch(url(`/q/${queue}/${key}/release?receipt=${again.receipt}`), { method: 'POST' });
    assert.equal(now.status, 200);
    assert.equal((await lease(queue)).attempts, 3);
  });

  it('checks receipts, lease lengths and extend arguments', async () => {
    const queue = queueName();
    const key = await publish(queue, 'x');
    for (const bad of ['lease=0', 'lease=43201', 'lease=abc', 'lease=1.5']) {
      const res = await fetch(url(`/q/${queue}?${bad}`));
      assert.equal(res.status, 400, bad);
      assert.equal(await errorCode(res), 'invalid_lease');
    }
    assert.equal((await fetch(url(`/q/${queue}?lease=43200`))).status, 200);
    for (const bad of ['short', 'x'.repeat(65), 'has space here']) {
      const res = await fetch(url(`/q/${queue}/${key}/release?receipt=${encodeURIComponent(bad)}`), { method: 'POST' });
      assert.equal(res.status, 400);
      assert.equal(await errorCode(res), 'invalid_receipt');
    }
    const noLease = await fetch(url(`/q/${queue}/${key}/extend?receipt=AAAAAAAAAAAA`), { method: 'POST' });
    assert.equal(await errorCode(noLease), 'invalid_lease');
    const badDelay = await fetch(url(`/q/${queue}/${key}/release?receipt=AAAAAAAAAAAA&delay=604801`), { method: 'POST' });
    assert.equal(await errorCode(badDelay), 'invalid_delay');
    const otherQueue = await fetch(url(`/q/${queue}x/${key}?receipt=AAAAAAAAAAAA`), { method: 'DELETE' });
    assert.equal(await errorCode(otherQueue), 'invalid_key');
  });

  it('dead-letters at exactly max_attempts, then redrives', async () => {
    const queue = queueName();
    const put = await fetch(url(`/q/${queue}/config`), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ max_attempts: 3 }),
    });
    assert.equal(put.status, 200);
    const key = await publish(queue, 'poison');
    for (let attempt = 1; attempt <= 3; attempt++) {
      const leased = await lease(queue, 'lease=10');
      assert.equal(leased.attempts, attempt);
      if (attempt < 3) advance(10);
      else {
        const res = await fetch(url(`/q/${queue}/${key}/release?receipt=${leased.receipt}`), { method: 'POST' });
        const body = (await res.json()) as { dead_letter: { queue: string; key: string } };
        assert.deepEqual(body.dead_letter, { queue: `${queue}.dlq`, key: `${queue}.dlq:1` });
      }
    }
    assert.equal((await fetch(url(`/q/${queue}?lease=10`))).status, 204);
    const dead = (await (await fetch(url(`/q/${queue}.dlq?peek=10`))).json()) as { value: string; dead_letter: unknown }[];
    assert.deepEqual(dead.map((m) => [m.value, m.dead_letter]), [['poison', { source_key: key, attempts: 3 }]]);
    const redrive = await fetch(url(`/q/${queue}.dlq/redrive`), { method: 'POST' });
    assert.equal(redrive.status, 200);
    assert.deepEqual(await redrive.json(), { queue: `${queue}.dlq`, moved: 1, keys: [{ from: `${queue}.dlq:1`, to: `${queue}:2` }] });
    const back = await lease(queue);
    assert.deepEqual([back.key, back.value, back.attempts], [`${queue}:2`, 'poison', 1]);
    const badN = await fetch(url(`/q/${queue}.dlq/redrive?n=1001`), { method: 'POST' });
    assert.equal(await errorCode(badN), 'invalid_count');
  });

  it('dead-letters an expired last lease without any release', async () => {
    const queue = queueName();
    await fetch(url(`/q/${queue}/config`), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"max_attempts":1,"dead_letter":"' + queue + '-dead"}' });
    await publish(queue, 'lost consumer');
    await lease(queue, 'lease=5');
    advance(5);
    assert.equal((await fetch(url(`/q/${queue}?lease=5`))).status, 204);
    const popped = (await (await fetch(url(`/q/${queue}-dead`))).json()) as { value: string; dead_letter: { attempts: number } };
    assert.equal(popped.value, 'lost consumer');
    assert.equal(popped.dead_letter.attempts, 1);
  });

  it('takes the queue default lease for an empty lease parameter', async () => {
    const queue = queueName();
    await fetch(url(`/q/${queue}/config`), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"lease":90}' });
    await publish(queue, 'x');
    assert.equal((await lease(queue, 'lease=')).lease_expires_at, new Date(clock + 90_000).toISOString());
  });

  it('leases n messages at once as an array', async () => {
    const queue = queueName();
    for (const v of ['a', 'b', 'c']) await publish(queue, v);
    const res = await fetch(url(`/q/${queue}?lease=30&n=2`));
    const list = (await res.json()) as Leased[];
    assert.deepEqual(list.map((m) => m.value), ['a', 'b']);
    assert.equal(new Set(list.map((m) => m.receipt)).size, 2);
    const pops = (await (await fetch(url(`/q/${queue}?n=5`))).json()) as { value: string }[];
    assert.deepEqual(pops.map((m) => m.value), ['c']);
    for (const bad of ['n=0', 'n=101', 'peek=0', 'peek=101']) assert.equal(await errorCode(await fetch(url(`/q/${queue}?${bad}`))), 'invalid_count');
  });

  it('speaks lease, ack, release and extend in the JSON protocol', async () => {
    const queue = queueName();
    await publish(queue, 'j');
    const send = async (command: Record<string, unknown>): Promise<Record<string, unknown>> =>
      (await (await postForm(url('/queue'), { body: JSON.stringify(command) })).json()) as Record<string, unknown>;
    const leased = await send({ cmd: 'lease', queue, lease: 30 });
    assert.equal(leased.value, 'j');
    assert.equal(leased.attempts, 1);
    const key = leased.key as string;
    const receipt = leased.receipt as string;
    assert.equal((await send({ cmd: 'extend', queue, key, receipt, lease: 90 })).lease_expires_at, new Date(clock + 90_000).toISOString());
    assert.equal((await send({ cmd: 'release', queue, key, receipt })).released, true);
    const again = await send({ cmd: 'lease', queue, n: 5 });
    assert.deepEqual((again.messages as Leased[]).map((m) => m.attempts), [2]);
    const stale = await send({ cmd: 'ack', queue, key, receipt });
    assert.equal(stale.code, 'stale_receipt');
    const fresh = (again.messages as Leased[])[0] as Leased;
    assert.deepEqual(await send({ cmd: 'ack', queue, key, receipt: fresh.receipt }), { queue, key, acked: true });
    assert.deepEqual(await send({ cmd: 'lease', queue }), { error: 'empty queue' });
    const added = await send({ cmd: 'add', queue, value: 'once', dedup: 'j-1', delay: 5 });
    assert.deepEqual(await send({ cmd: 'add', queue, value: 'twice', dedup: 'j-1' }), { queue, value: 'twice', key: added.key, duplicate: true });
    assert.deepEqual(await send({ cmd: 'lease', queue }), { error: 'empty queue' }, 'delayed');
    advance(5);
    assert.equal((await send({ cmd: 'lease', queue })).value, 'once');
  });

  it('keeps leases across a restart', async () => {
    const dataDir = tempDir();
    let time = Date.UTC(2030, 5, 1);
    const first = await startTestServer({ dataDir }, { now: () => time });
    const queue = queueName();
    await postForm(`${first.url}/q/${queue}`, { value: 'durable' });
    const leased = (await (await fetch(`${first.url}/q/${queue}?lease=60`)).json()) as Leased;
    await first.close();
    const second = await startTestServer({ dataDir }, { now: () => time });
    try {
      assert.equal((await fetch(`${second.url}/q/${queue}?lease=60`)).status, 204, 'still leased after restart');
      time += 60_000;
      const again = (await (await fetch(`${second.url}/q/${queue}?lease=60`)).json()) as Leased;
      assert.deepEqual([again.key, again.attempts], [leased.key, 2]);
      const ack = await fetch(`${second.url}/q/${queue}/${again.key}?receipt=${again.receipt}`, { method: 'DELETE' });
      assert.equal(ack.status, 200);
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
