// Streaming with acks (`?lease=S` on /ws, /c and /sse), over real sockets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../support/fake-clock.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { CometClient, SseClient, WsClient, untilAny } from './clients.js';
import { control, publish, setPolicy } from './helpers.js';
import { waitFor } from '../support/wait.js';

/** A streamed leased message as the frames carry it. */
interface LeasedFrame {
  readonly key: string;
  readonly value: string;
  readonly receipt: string;
  readonly attempts: number;
  readonly lease_expires_at: string;
}

function leased(message: unknown): LeasedFrame {
  const m = message as Record<string, unknown>;
  assert.equal(typeof m.key, 'string');
  assert.equal(typeof m.receipt, 'string');
  assert.equal(typeof m.attempts, 'number');
  assert.equal(typeof m.lease_expires_at, 'string');
  return m as unknown as LeasedFrame;
}

describe('leased streaming consumers', () => {
  let server: TestServer;
  /** Queue time: leases end when the test moves it. */
  const clock = new FakeClock();
  before(async () => {
    server = await startTestServer({ sync: 'normal' }, { clock });
  });
  after(() => server.stop());

  const wsUrl = (path: string): string => server.url.replace('http://', 'ws://') + path;

  async function peek(queue: string): Promise<{ key: string; state: string }[]> {
    const res = await fetch(`${server.url}/q/${queue}?peek=100`);
    assert.equal(res.status, 200);
    return (await res.json()) as { key: string; state: string }[];
  }

  async function errorCode(res: Response): Promise<string> {
    const body = (await res.json()) as { error: { code: string } };
    return body.error.code;
  }

  it('a WebSocket consumer with ?lease gets a receipt and acks by frame', async () => {
    const queue = queueName('lws');
    const ws = await WsClient.open(wsUrl(`/ws/${queue}?lease=30`));
    const before = clock.now();
    const [key] = await publish(server.url, queue, ['hello']);
    await ws.until(() => ws.messages.length === 1, 'the leased message');
    const frame = leased(ws.messages[0]);
    assert.equal(frame.key, key);
    assert.equal(frame.value, 'hello');
    assert.equal(frame.attempts, 1);
    assert.match(frame.receipt, /^[A-Za-z0-9_-]{8,64}$/);
    const ends = Date.parse(frame.lease_expires_at);
    assert.ok(ends >= before + 29_000 && ends <= clock.now() + 31_000, `lease ends ${frame.lease_expires_at}`);
    // Leased, not gone: peek still shows it, as leased.
    assert.deepEqual((await peek(queue)).map((m) => [m.key, m.state]), [[key, 'leased']]);
    ws.send({ cmd: 'ack', key, receipt: frame.receipt });
    await ws.until(() => ws.answers.length === 1, 'the ack answer');
    assert.deepEqual(ws.answers[0], { queue, key, acked: true });
    assert.deepEqual(await peek(queue), []);
    // A second ack with the same receipt is refused: the lease is gone.
    ws.send({ cmd: 'ack', key, receipt: frame.receipt });
    await ws.until(() => ws.answers.length === 2, 'the second ack answer');
    assert.equal((ws.answers[1] as { code: string }).code, 'stale_receipt');
    ws.close();
  });

  it('acks sent back to back are answered in order, and an ack behind another command waits for it', async () => {
    const queue = queueName('lwsb');
    const ws = await WsClient.open(wsUrl(`/ws/${queue}?lease=30`));
    const keys = await publish(server.url, queue, ['a', 'b', 'c', 'd']);
    await ws.until(() => ws.messages.length === 4, 'four leased messages');
    const frames = ws.messages.map(leased);
    const [a, b, c, d] = frames as [LeasedFrame, LeasedFrame, LeasedFrame, LeasedFrame];
    // Acks only (they start at once, sharing a commit), one of them twice: answers in order.
    for (const f of [a, b, a]) ws.send({ cmd: 'ack', key: f.key, receipt: f.receipt });
    // A release, then an ack of the same message: the ack must see the release first.
    ws.send({ cmd: 'release', key: c.key, receipt: c.receipt });
    ws.send({ cmd: 'ack', key: c.key, receipt: c.receipt });
    ws.send({ cmd: 'ack', key: d.key, receipt: d.receipt });
    await ws.until(() => ws.answers.length === 6, 'six answers');
    const answers = ws.answers.map((x) => [x.key ?? null, x.acked ?? x.released ?? x.code]);
    assert.deepEqual(answers, [
      [a.key, true],
      [b.key, true],
      [null, 'stale_receipt'],
      [c.key, true],
      [null, 'stale_receipt'],
      [d.key, true],
    ]);
    assert.deepEqual(keys.length, 4);
    ws.close();
  });

  it('an SSE consumer with ?lease acks over HTTP; its events carry no id', async () => {
    const queue = queueName('lsse');
    const sse = await SseClient.open(`${server.url}/sse/${queue}?lease=30`);
    assert.equal(sse.status, 200);
    const [key] = await publish(server.url, queue, ['over-sse']);
    await sse.until(() => sse.messages.length === 1, 'the leased event');
    assert.equal(sse.events[0]?.id, undefined);
    const frame = leased(sse.messages[0]);
    assert.equal(frame.key, key);
    const forged = await fetch(`${server.url}/q/${queue}/${key}?receipt=AAAAAAAAAAAA`, { method: 'DELETE' });
    assert.equal(forged.status, 409);
    assert.equal(await errorCode(forged), 'stale_receipt');
    const ack = await fetch(`${server.url}/q/${queue}/${key}?receipt=${frame.receipt}`, { method: 'DELETE' });
    assert.equal(ack.status, 200);
    assert.deepEqual(await ack.json(), { queue, key, acked: true });
    assert.deepEqual(await peek(queue), []);
    sse.close();
  });

  it('a COMET consumer with ?lease gets the lease in its line and acks over HTTP', async () => {
    const queue = queueName('lcomet');
    const comet = await CometClient.open(`${server.url}/c/${queue}?lease=5`);
    const [key] = await publish(server.url, queue, ['over-comet']);
    await comet.until(() => comet.messages.length === 1, 'the leased line');
    const frame = leased(comet.messages[0]);
    assert.equal(frame.key, key);
    const ack = await fetch(`${server.url}/q/${queue}/${key}?receipt=${frame.receipt}`, { method: 'DELETE' });
    assert.equal(ack.status, 200);
    assert.deepEqual(await peek(queue), []);
    comet.close();
  });

  it('an empty lease= takes the queue\'s lease setting, as GET /q?lease= does', async () => {
    const queue = queueName('ldef');
    const put = await fetch(`${server.url}/q/${queue}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lease: 120 }),
    });
    assert.equal(put.status, 200);
    await put.text();
    const ws = await WsClient.open(wsUrl(`/ws/${queue}?lease=`));
    const before = clock.now();
    await publish(server.url, queue, ['default-lease']);
    await ws.until(() => ws.messages.length === 1, 'the leased message');
    const ends = Date.parse(leased(ws.messages[0]).lease_expires_at);
    assert.ok(ends >= before + 119_000 && ends <= clock.now() + 121_000, `lease ends ${ends - before} ms after publishing`);
    ws.close();
  });

  it('two leased consumers share the messages one each, in turn, whatever the policy', async () => {
    const queue = queueName('lshare');
    await setPolicy(server.url, queue, 'broadcast');
    const a = await WsClient.open(wsUrl(`/ws/${queue}?lease=30`));
    const b = await WsClient.open(wsUrl(`/ws/${queue}?lease=30`));
    await waitFor('two consumers', () => server.dispatcher.consumerCount(queue) === 2);
    const keys: string[] = [];
    for (let i = 1; i <= 4; i++) {
      keys.push(...(await publish(server.url, queue, [`m${i}`])));
      await untilAny([a, b], () => a.messages.length + b.messages.length === i, `message ${i}`);
    }
    assert.equal(a.messages.length, 2);
    assert.equal(b.messages.length, 2);
    assert.deepEqual([...a.messages, ...b.messages].map((m) => m.key).sort(), [...keys].sort());
    // Every one of them is leased, none acked yet.
    assert.deepEqual((await peek(queue)).map((m) => m.state), ['leased', 'leased', 'leased', 'leased']);
    a.close();
    b.close();
  });

  it('on a queue with leased and unleased consumers each message goes to exactly one of them', async () => {
    const queue = queueName('lmixed');
    await setPolicy(server.url, queue, 'roundrobin');
    const plain = await WsClient.open(wsUrl(`/ws/${queue}`));
    const lease = await WsClient.open(wsUrl(`/ws/${queue}?lease=30`));
    await waitFor('two consumers', () => server.dispatcher.consumerCount(queue) === 2);
    const keys = await publish(server.url, queue, ['x1', 'x2', 'x3', 'x4', 'x5', 'x6']);
    await untilAny([plain, lease], () => plain.messages.length + lease.messages.length === 6, 'six messages');
    const got = [...plain.messages, ...lease.messages].map((m) => m.key);
    assert.deepEqual([...got].sort(), [...keys].sort());
    for (const m of lease.messages) leased(m);
    for (const m of plain.messages) assert.equal('receipt' in m, false);
    plain.close();
    lease.close();
  });

  it('stop holds leased delivery; start resumes it', async () => {
    const queue = queueName('lstop');
    await control(server.url, queue, 'stop');
    const ws = await WsClient.open(wsUrl(`/ws/${queue}?lease=30`));
    const [key] = await publish(server.url, queue, ['held']);
    assert.deepEqual((await peek(queue)).map((m) => m.state), ['ready']);
    assert.equal(ws.messages.length, 0);
    await control(server.url, queue, 'start');
    await ws.until(() => ws.messages.length === 1, 'the message after start');
    assert.equal(leased(ws.messages[0]).key, key);
    ws.close();
  });

  it('an unacked message comes back to another consumer after its lease when its consumer left', async () => {
    const queue = queueName('lback');
    const first = await WsClient.open(wsUrl(`/ws/${queue}?lease=1`));
    await waitFor('the first consumer', () => server.dispatcher.consumerCount(queue) === 1);
    const second = await SseClient.open(`${server.url}/sse/${queue}?lease=1`);
    await waitFor('the second consumer', () => server.dispatcher.consumerCount(queue) === 2);
    // The first consumer's turn: it gets the message, then leaves without acking.
    const [lost] = await publish(server.url, queue, ['unacked']);
    await first.until(() => first.messages.length === 1, 'the first delivery');
    const gone = leased(first.messages[0]);
    assert.equal(gone.key, lost);
    first.close();
    await waitFor('the first consumer to leave', () => server.dispatcher.consumerCount(queue) === 1);
    assert.equal(second.messages.length, 0);
    // Move queue time past the lease's end, then publish a follow-up: the returned message
    // comes first (by the due timer or that publish's wake), then the follow-up.
    await clock.advance(Date.parse(gone.lease_expires_at) - clock.now() + 1);
    const [next] = await publish(server.url, queue, ['follow-up']);
    await second.until(() => second.messages.length === 2, 'the returned message and the follow-up');
    const [back, fresh] = second.messages.map(leased);
    assert.equal(back?.key, lost);
    assert.equal(back?.attempts, 2);
    assert.notEqual(back?.receipt, gone.receipt);
    assert.equal(fresh?.key, next);
    assert.equal(fresh?.attempts, 1);
    // The first consumer's receipt no longer acks; the new one does.
    const stale = await fetch(`${server.url}/q/${queue}/${lost}?receipt=${gone.receipt}`, { method: 'DELETE' });
    assert.equal(stale.status, 409);
    await stale.text();
    const ack = await fetch(`${server.url}/q/${queue}/${lost}?receipt=${back?.receipt ?? ''}`, { method: 'DELETE' });
    assert.equal(ack.status, 200);
    await ack.text();
    second.close();
  });

  it('validates lease like GET /q?lease= and refuses it with since or Last-Event-ID', async () => {
    const queue = queueName('lbad');
    for (const bad of ['0', '43201', 'abc', '-1', '1.5']) {
      for (const path of [`/c/${queue}?lease=${bad}`, `/sse/${queue}?lease=${bad}`]) {
        const res = await fetch(`${server.url}${path}`);
        assert.equal(res.status, 400, path);
        assert.equal(await errorCode(res), 'invalid_lease', path);
      }
      await assert.rejects(WsClient.open(wsUrl(`/ws/${queue}?lease=${bad}`)), /upgrade refused: 400 .*invalid_lease/);
    }
    const since = `since=${queue}:1`;
    for (const path of [`/c/${queue}?lease=5&${since}`, `/sse/${queue}?lease=5&${since}`]) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 400, path);
      assert.equal(await errorCode(res), 'invalid_parameter', path);
    }
    const withHeader = await fetch(`${server.url}/sse/${queue}?lease=5`, { headers: { 'last-event-id': `${queue}:3` } });
    assert.equal(withHeader.status, 400);
    assert.equal(await errorCode(withHeader), 'invalid_parameter');
    await assert.rejects(WsClient.open(wsUrl(`/ws/${queue}?lease=5&${since}`)), /upgrade refused: 400 .*invalid_parameter/);
    // The longest lease is accepted.
    const longest = await WsClient.open(wsUrl(`/ws/${queue}?lease=43200`));
    const [key] = await publish(server.url, queue, ['long']);
    await longest.until(() => longest.messages.length === 1, 'the long-leased message');
    assert.equal(leased(longest.messages[0]).key, key);
    longest.close();
  });
});
