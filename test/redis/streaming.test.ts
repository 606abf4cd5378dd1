// Streaming across two daemons over one Redis: broadcast to every consumer on every daemon,
// round-robin with each message taken once, stop/start and purge seen by both, and resume
// from a history another daemon wrote. Real COMET, SSE and WebSocket clients over sockets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { redisCommand, startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { postForm, queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { CometClient, SseClient, WsClient, untilAny } from '../stream/clients.js';
import type { Collector, Streamed } from '../stream/clients.js';
import { control, publish, queueLength, setPolicy, values } from '../stream/helpers.js';

type Client = Collector & { readonly messages: Streamed[]; close(): void };

describe('streaming across two daemons over one Redis', { timeout: 60_000 }, () => {
  let redis: RedisProcess;
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    redis = await startRedis();
    const shared = { redisUrl: `${redis.url}/0`, redisPrefix: 'xs:', streamHistoryMessages: 50 };
    a = await startTestServer(shared);
    b = await startTestServer(shared);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  const ws = (server: TestServer, path: string): string => server.url.replace('http://', 'ws://') + path;
  const keysOf = (c: Client): string[] => c.messages.map((m) => m.key);

  /** Publishes `sent` alternately through a and b; answers the keys in order. */
  async function publishBoth(queue: string, sent: readonly string[]): Promise<string[]> {
    const keys: string[] = [];
    for (let i = 0; i < sent.length; i++) keys.push(...(await publish((i % 2 === 0 ? a : b).url, queue, [sent[i] as string])));
    return keys;
  }

  it('broadcast: every consumer on both daemons gets every message once, in key order', async () => {
    const queue = queueName('xbc');
    const consumers: Client[] = [
      await CometClient.open(`${a.url}/c/${queue}`),
      await SseClient.open(`${a.url}/sse/${queue}`),
      await WsClient.open(ws(a, `/ws/${queue}`)),
      await CometClient.open(`${b.url}/c/${queue}`),
      await SseClient.open(`${b.url}/c/${queue}`),
      await WsClient.open(ws(b, `/ws/${queue}`)),
    ];
    const sent = values('x', 30);
    const keys = await publishBoth(queue, sent);
    const expected = keys.map((key, i) => ({ key, value: sent[i] as string }));
    await untilAny(consumers, () => consumers.every((c) => c.messages.length >= expected.length), 'every message on every consumer');
    for (const c of consumers) assert.deepEqual(c.messages, expected);
    assert.equal(await queueLength(a.url, queue), 0);
    // Exactly once: one more message arrives as the next one everywhere, nothing else with it.
    const [extra] = await publish(b.url, queue, ['last']);
    await untilAny(consumers, () => consumers.every((c) => c.messages.length === expected.length + 1), 'the extra message');
    for (const c of consumers) assert.equal(c.messages.at(-1)?.key, extra);
    for (const c of consumers) c.close();
  });

  it('broadcast: a daemon whose consumers cannot take still feeds them what the other daemon took', async () => {
    // Only b has a consumer when the backlog is taken (by b); then a consumer joins a and
    // gets the live messages that b takes, since a's consumer cannot make a take alone first.
    const queue = queueName('xbc2');
    const onB = await CometClient.open(`${b.url}/c/${queue}`);
    const early = await publish(a.url, queue, values('early', 3));
    await onB.until(() => onB.messages.length === 3, 'the backlog on b');
    const onA = await SseClient.open(`${a.url}/sse/${queue}`);
    const late = await publishBoth(queue, values('late', 6));
    await untilAny([onA, onB], () => onA.messages.length === 6 && onB.messages.length === 9, 'the live messages');
    assert.deepEqual(keysOf(onB), [...early, ...late]);
    assert.deepEqual(keysOf(onA), late);
    onA.close();
    onB.close();
  });

  it('roundrobin: each message to exactly one consumer across daemons; strict turns within a daemon', async () => {
    const queue = queueName('xrr');
    await setPolicy(a.url, queue, 'roundrobin');
    const onA: Client[] = [await CometClient.open(`${a.url}/c/${queue}`), await WsClient.open(ws(a, `/ws/${queue}`))];
    const onB: Client[] = [await SseClient.open(`${b.url}/sse/${queue}`), await CometClient.open(`${b.url}/c/${queue}`)];
    const all = [...onA, ...onB];
    const keys = await publishBoth(queue, values('r', 40));
    await untilAny(all, () => all.reduce((n, c) => n + c.messages.length, 0) >= 40, 'every message once');
    const got = all.flatMap(keysOf);
    assert.equal(got.length, 40, 'no message twice');
    assert.deepEqual([...got].sort(), [...keys].sort());
    const order = (k: string): number => keys.indexOf(k);
    for (const daemon of [onA, onB]) {
      const [x, y] = daemon.map((c) => c.messages.length) as [number, number];
      assert.ok(Math.abs(x - y) <= 1, `the two consumers of one daemon take turns (${x} vs ${y})`);
      for (const c of daemon) {
        const seen = keysOf(c).map(order);
        assert.deepEqual(seen, [...seen].sort((p, q) => p - q), 'each consumer gets its messages in key order');
      }
    }
    assert.equal(await queueLength(b.url, queue), 0);
    for (const c of all) c.close();
  });

  it('stop through one daemon pauses delivery on both; start through the other delivers the backlog', async () => {
    const queue = queueName('xctl');
    const onA = await WsClient.open(ws(a, `/ws/${queue}`));
    const onB = await CometClient.open(`${b.url}/c/${queue}`);
    const [first] = await publish(a.url, queue, ['before']);
    await untilAny([onA, onB], () => onA.messages.length === 1 && onB.messages.length === 1, 'the first message');
    await control(a.url, queue, 'stop');
    // Published through the daemon that did not stop it: its dispatcher reads the status afresh.
    const waiting = await publish(b.url, queue, values('paused', 5));
    assert.equal(await queueLength(a.url, queue), 5);
    assert.equal(onA.messages.length + onB.messages.length, 2);
    assert.equal(onA.ended || onB.ended, false);
    await control(b.url, queue, 'start');
    await untilAny([onA, onB], () => onA.messages.length === 6 && onB.messages.length === 6, 'the backlog');
    assert.deepEqual(keysOf(onA), [first, ...waiting]);
    assert.deepEqual(keysOf(onB), [first, ...waiting]);
    onA.close();
    onB.close();
  });

  it('purge through one daemon closes the streams of that queue on both, and only of that queue', async () => {
    const queue = queueName('xpurge');
    const other = queueName('xother');
    const closing: Client[] = [
      await CometClient.open(`${a.url}/c/${queue}`),
      await SseClient.open(`${b.url}/sse/${queue}`),
      await WsClient.open(ws(b, `/ws/${queue}`)),
    ];
    const bystander = await CometClient.open(`${b.url}/c/${other}`);
    const [one] = await publish(a.url, queue, ['one']);
    await untilAny(closing, () => closing.every((c) => c.messages.length === 1), 'the message before the purge');
    const res = await fetch(`${a.url}/q/${queue}`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    await res.text();
    for (const c of closing) await c.untilEnded();
    const ended = closing[2] as WsClient;
    assert.match(ended.closeReason, /queue_purged/);
    assert.equal(b.dispatcher.consumerCount(queue), 0);
    assert.equal(a.dispatcher.consumerCount(queue), 0);
    // The history went too: resuming from before the purge replays nothing (numbering goes on).
    const after = await SseClient.open(`${b.url}/sse/${queue}`, { 'last-event-id': one as string });
    const [fresh] = await publish(b.url, queue, ['after purge']);
    await after.until(() => after.messages.length === 1, 'the message after the purge');
    assert.equal(after.messages[0]?.key, fresh);
    assert.equal(bystander.ended, false);
    const [kept] = await publish(a.url, other, ['still here']);
    await bystander.until(() => bystander.messages.length === 1, 'the other queue still streams');
    assert.equal(bystander.messages[0]?.key, kept);
    after.close();
    bystander.close();
  });

  it('drop through one daemon ends the streams on the other and deletes the history', async () => {
    const queue = queueName('xdrop');
    const onB = await CometClient.open(`${b.url}/c/${queue}`);
    await publish(a.url, queue, values('d', 3));
    await onB.until(() => onB.messages.length === 3, 'three messages');
    assert.equal(Number(await redisCommand(redis.port, 'XLEN', `xs:{${queue}}:history`)), 3);
    const res = await fetch(`${a.url}/q/${queue}?drop=1`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    await res.text();
    await onB.untilEnded();
    assert.equal(Number(await redisCommand(redis.port, 'EXISTS', `xs:{${queue}}:history`, `xs:{${queue}}:history-index`)), 0);
  });

  it('resume: Last-Event-ID and ?since on one daemon replay the history the other daemon wrote', async () => {
    const queue = queueName('xresume');
    const writer = await SseClient.open(`${a.url}/sse/${queue}`);
    const keys = await publish(a.url, queue, values('h', 6));
    await writer.until(() => writer.messages.length === 6, 'the first six on a');
    writer.close();
    assert.equal(b.dispatcher.consumerCount(queue), 0, 'b took no part in streaming them');
    const sse = await SseClient.open(`${b.url}/sse/${queue}`, { 'last-event-id': keys[1] as string });
    const comet = await CometClient.open(`${b.url}/c/${queue}?since=${encodeURIComponent(keys[3] as string)}`);
    const wsc = await WsClient.open(ws(b, `/ws/${queue}?since=${encodeURIComponent(keys[4] as string)}`));
    await untilAny([sse, comet, wsc], () => sse.messages.length === 4 && comet.messages.length === 2 && wsc.messages.length === 1, 'the replays');
    assert.deepEqual(keysOf(sse), keys.slice(2));
    assert.deepEqual(keysOf(comet), keys.slice(4));
    assert.deepEqual(keysOf(wsc), keys.slice(5));
    assert.deepEqual(
      sse.events.filter((e) => e.event === 'message').map((e) => e.id),
      keys.slice(2),
    );
    // Then the live stream, taken by either daemon, follows once.
    const live = await publishBoth(queue, values('live', 3));
    await untilAny([sse, comet, wsc], () => sse.messages.length === 7 && comet.messages.length === 5 && wsc.messages.length === 4, 'live after replay');
    assert.deepEqual(keysOf(sse), [...keys.slice(2), ...live]);
    assert.deepEqual(keysOf(comet), [...keys.slice(4), ...live]);
    assert.deepEqual(keysOf(wsc), [...keys.slice(5), ...live]);
    for (const c of [sse, comet, wsc]) c.close();
  });

  it('broadcast: a message back from an expired lease, under a lower key, reaches every live consumer', async () => {
    // The lease ends with no publish after it: only the daemons' due timers bring it back.
    const queue = queueName('xlate');
    await control(a.url, queue, 'stop');
    const consumers: Client[] = [await CometClient.open(`${a.url}/c/${queue}`), await WsClient.open(ws(b, `/ws/${queue}`))];
    const keys = await publish(b.url, queue, values('k', 3));
    const leased = await fetch(`${a.url}/q/${queue}?lease=1`);
    assert.equal(leased.status, 200);
    assert.equal(((await leased.json()) as { key: string }).key, keys[0]);
    await control(b.url, queue, 'start');
    await untilAny(consumers, () => consumers.every((c) => c.messages.length === 2), 'the two left');
    await untilAny(consumers, () => consumers.every((c) => c.messages.length === 3), 'the message back from its lease', 4000);
    for (const c of consumers) assert.deepEqual(keysOf(c), [keys[1], keys[2], keys[0]]);
    for (const c of consumers) c.close();
  });

  it('a delayed message reaches consumers on both daemons once its delay passed, with no publish after it', async () => {
    const queue = queueName('xdelay');
    const consumers: Client[] = [await SseClient.open(`${a.url}/sse/${queue}`), await CometClient.open(`${b.url}/c/${queue}`)];
    const started = Date.now();
    const res = await postForm(`${b.url}/q/${queue}`, { value: 'later', delay: '1' });
    assert.equal(res.status, 200);
    const key = (await res.text()).trim();
    await untilAny(consumers, () => consumers.every((c) => c.messages.length === 1), 'the delayed message', 4000);
    assert.ok(Date.now() - started >= 950, 'not before its delay');
    for (const c of consumers) assert.deepEqual(c.messages, [{ key, value: 'later' }]);
    for (const c of consumers) c.close();
  });

  it('a last lease that expires reaches the dead-letter stream on the other daemon', async () => {
    const queue = queueName('xlast');
    const put = await fetch(`${a.url}/q/${queue}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ max_attempts: 1 }),
    });
    assert.equal(put.status, 200);
    await put.text();
    await publish(a.url, queue, ['poison']);
    assert.equal((await fetch(`${a.url}/q/${queue}?lease=1`)).status, 200);
    // a's consumer of the queue settles the expired lease; b's dead-letter stream hears of the move.
    const source = await CometClient.open(`${a.url}/c/${queue}`);
    const dead = await SseClient.open(`${b.url}/sse/${queue}.dlq`);
    await untilAny([dead, source], () => dead.messages.length === 1, 'the dead letter', 4000);
    assert.deepEqual(dead.messages, [{ key: `${queue}.dlq:1`, value: 'poison' }]);
    assert.equal(source.messages.length, 0);
    source.close();
    dead.close();
  });

  it('resume keeps to the history window (count) kept in Redis', async () => {
    const queue = queueName('xwindow');
    const writer = await CometClient.open(`${b.url}/c/${queue}`);
    const keys = await publish(b.url, queue, values('w', 60));
    await writer.until(() => writer.messages.length === 60, 'sixty messages');
    writer.close();
    // streamHistoryMessages is 50: resuming after the first replays the newest 50 only.
    const late = await SseClient.open(`${a.url}/sse/${queue}`, { 'last-event-id': keys[0] as string });
    await late.until(() => late.messages.length === 50, 'the newest fifty');
    assert.deepEqual(keysOf(late), keys.slice(10));
    assert.equal(Number(await redisCommand(redis.port, 'XLEN', `xs:{${queue}}:history`)), 50);
    late.close();
  });
});
