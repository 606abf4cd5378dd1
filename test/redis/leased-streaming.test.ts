// Streaming with acks over one Redis shared by two daemons: leased consumers on both get
// each message once, ack by frame or over HTTP through either daemon, and a message its
// consumer left unacked comes back, after its lease, to a consumer on the other daemon.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { SseClient, WsClient, untilAny } from '../stream/clients.js';
import { publish } from '../stream/helpers.js';
import { waitFor } from '../support/wait.js';

interface LeasedFrame {
  readonly key: string;
  readonly value: string;
  readonly receipt: string;
  readonly attempts: number;
  readonly lease_expires_at: string;
}

function leased(message: unknown): LeasedFrame {
  const m = message as Record<string, unknown>;
  assert.equal(typeof m.receipt, 'string');
  assert.equal(typeof m.attempts, 'number');
  assert.equal(typeof m.lease_expires_at, 'string');
  return m as unknown as LeasedFrame;
}

describe('leased streaming over one Redis, two daemons', { timeout: 60_000 }, () => {
  let redis: RedisProcess;
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    redis = await startRedis();
    const shared = { redisUrl: `${redis.url}/0`, redisPrefix: 'ls:' };
    a = await startTestServer(shared);
    b = await startTestServer(shared);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  const ws = (server: TestServer, path: string): string => server.url.replace('http://', 'ws://') + path;

  async function peek(server: TestServer, queue: string): Promise<unknown[]> {
    const res = await fetch(`${server.url}/q/${queue}?peek=100`);
    assert.equal(res.status, 200);
    return (await res.json()) as unknown[];
  }

  it('leased consumers on both daemons get each message once and ack it', async () => {
    const queue = queueName('rls');
    const onA = await WsClient.open(ws(a, `/ws/${queue}?lease=30`));
    const onB = await SseClient.open(`${b.url}/sse/${queue}?lease=30`);
    await waitFor('both consumers', () => a.dispatcher.consumerCount(queue) === 1 && b.dispatcher.consumerCount(queue) === 1);
    const keys = await publish(a.url, queue, ['r1', 'r2', 'r3', 'r4']);
    await untilAny([onA, onB], () => onA.messages.length + onB.messages.length === 4, 'four messages');
    assert.deepEqual([...onA.messages, ...onB.messages].map((m) => m.key).sort(), [...keys].sort());
    for (const m of onA.messages) onA.send({ cmd: 'ack', key: m.key, receipt: leased(m).receipt });
    await onA.until(() => onA.answers.length === onA.messages.length, 'the ack answers');
    for (const answer of onA.answers) assert.equal(answer.acked, true);
    for (const m of onB.messages) {
      const res = await fetch(`${a.url}/q/${queue}/${m.key}?receipt=${leased(m).receipt}`, { method: 'DELETE' });
      assert.equal(res.status, 200);
      await res.text();
    }
    assert.deepEqual(await peek(b, queue), []);
    onA.close();
    onB.close();
  });

  it('an unacked message comes back to a consumer on the other daemon after its lease', async () => {
    const queue = queueName('rlback');
    const first = await WsClient.open(ws(a, `/ws/${queue}?lease=1`));
    await waitFor('the first consumer', () => a.dispatcher.consumerCount(queue) === 1);
    const [lost] = await publish(a.url, queue, ['unacked']);
    await first.until(() => first.messages.length === 1, 'the first delivery');
    const gone = leased(first.messages[0]);
    first.close();
    await waitFor('the first consumer to leave', () => a.dispatcher.consumerCount(queue) === 0);
    const second = await SseClient.open(`${b.url}/sse/${queue}?lease=1`);
    await waitFor('the second consumer', () => b.dispatcher.consumerCount(queue) === 1);
    // Wait out the lease (polled clock), then a follow-up publish wakes the dispatchers:
    // this branch has no due timer.
    const ends = Date.parse(gone.lease_expires_at);
    await waitFor('the lease to end', () => Date.now() > ends, { timeoutMs: 3000 });
    const [next] = await publish(a.url, queue, ['follow-up']);
    await second.until(() => second.messages.length === 2, 'the returned message and the follow-up');
    const [back, fresh] = second.messages.map(leased);
    assert.equal(back?.key, lost);
    assert.equal(back?.attempts, 2);
    assert.equal(fresh?.key, next);
    second.close();
  });
});
