// Issue 11, items 1-5: RestMQ driven the way the original's own clients and examples did
// (curl forms, the README's WebSocket echo page, the map/reduce reducer over COMET), on
// both stores: each behaviour must match what those clients relied on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { form, isRecord, json, request } from '../support/http.js';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { CometClient, WsClient, untilAny } from '../stream/clients.js';

function suite(store: 'sqlite' | 'redis'): void {
  describe(`original clients (${store})`, { timeout: 30_000 }, () => {
    let redis: RedisProcess | undefined;
    let server: TestServer;
    before(async () => {
      if (store === 'redis') redis = await startRedis();
      server = await startTestServer(redis === undefined ? {} : { redisUrl: `${redis.url}/0` });
    });
    after(async () => {
      await server?.stop();
      await redis?.stop();
    });
    const wsUrl = (path: string): string => server.url.replace('http://', 'ws://') + path;

    it('1. POST /p/<q> policy=roundrobin answers the text OK; JSON when the client asks for it', async () => {
      const q = queueName('pol');
      const set = await form(`${server.url}/p/${q}`, { policy: 'roundrobin' });
      assert.equal(set.status, 200);
      assert.equal(set.text, 'OK\r\n');
      assert.match(set.headers.get('content-type') ?? '', /^text\/plain/);
      const asJson = await form(`${server.url}/p/${q}`, { policy: 'broadcast' }, { accept: 'application/json' });
      assert.deepEqual(json(asJson), { queue: q, value: 'broadcast', response: 'OK' });
      assert.deepEqual(json(await request(`${server.url}/p/${q}`)), { queue: q, value: 'broadcast' });
    });

    it('2. WebSocket echoes text frames that are not JSON commands and runs those that are, in order', async () => {
      const q = queueName('echo');
      const ws = await WsClient.open(wsUrl(`/ws/${q}`));
      const frames = ['hello restmq', '{"no":"cmd"}', '[1,2]', '"a string"', '42', '{not json', ''];
      for (const frame of frames) ws.send(frame);
      ws.send({ cmd: 'add', value: 'real' });
      ws.send('after the command');
      await ws.until(() => ws.texts.length === frames.length + 3, 'echoes, the answer and the delivery');
      // The echoes come back unchanged and in order; the add answers between them.
      const answer = JSON.stringify({ queue: q, value: 'real', key: `${q}:1` });
      const delivery = JSON.stringify({ key: `${q}:1`, value: 'real' });
      const rest = ws.texts.slice(frames.length).filter((t) => t !== delivery);
      assert.deepEqual(ws.texts.slice(0, frames.length), frames);
      assert.deepEqual(rest, [answer, 'after the command']);
      assert.ok(ws.texts.includes(delivery));
      ws.close();
    });

    it('3. POST /q/<q> and POST / with both msg and value store msg', async () => {
      const q = queueName('msg');
      assert.equal((await form(`${server.url}/q/${q}`, { value: 'from value', msg: 'from msg' })).text, `${q}:1\r\n`);
      assert.equal((await form(`${server.url}/`, { queue: q, msg: 'msg again', value: 'value again' })).text, `${q}:2\r\n`);
      const first = json(await request(`${server.url}/q/${q}`));
      const second = json(await request(`${server.url}/q/${q}`));
      assert.ok(isRecord(first) && isRecord(second));
      assert.equal(first.value, 'from msg');
      assert.equal(second.value, 'msg again');
    });

    it('4. a reducer reading value from every COMET line sums the mappers and ends cleanly on purge', async () => {
      const q = queueName('wordcount');
      const reducer = await CometClient.open(`${server.url}/c/${q}`);
      const jsonp = await CometClient.open(`${server.url}/c/${q}?callback=got`);
      const counts = [3, 5, 8];
      for (const [i, count] of counts.entries()) {
        const sent = await form(`${server.url}/q/${q}`, { value: JSON.stringify({ filename: `f${i}.txt`, count }) });
        assert.equal(sent.status, 200);
      }
      await untilAny([reducer, jsonp], () => reducer.lines.length === counts.length && jsonp.lines.length === counts.length, 'the mappers');
      assert.equal((await request(`${server.url}/q/${q}`, { method: 'DELETE' })).status, 200);
      await untilAny([reducer, jsonp], () => reducer.ended && jsonp.ended, 'both streams to end');
      // The original reducer: every line is a message whose value holds a count.
      let total = 0;
      for (const line of reducer.lines) {
        const message: unknown = JSON.parse(line);
        assert.ok(isRecord(message) && typeof message.value === 'string', line);
        const doc: unknown = JSON.parse(message.value);
        assert.ok(isRecord(doc) && typeof doc.count === 'number', line);
        total += doc.count;
      }
      assert.equal(total, 16);
      assert.equal(reducer.lines.length, 3);
      assert.ok(jsonp.lines.every((line) => line.startsWith('got({"key"')), jsonp.lines.join('\n'));
    });

    it('5. GET /control/ lists every queue with its status', async () => {
      const started = queueName('ctla');
      const stopped = queueName('ctlb');
      await form(`${server.url}/q/${started}`, { value: 'v' });
      await form(`${server.url}/q/${stopped}`, { value: 'v' });
      await form(`${server.url}/control/${stopped}`, { status: 'stop' });
      const all = await request(`${server.url}/control/`);
      assert.equal(all.status, 200);
      const body = json(all);
      assert.ok(isRecord(body) && isRecord(body.queues) && typeof body.count === 'number');
      assert.equal(body.queues[started], 'started');
      assert.equal(body.queues[stopped], 'stopped');
      assert.equal(body.count, Object.keys(body.queues).length);
    });
  });
}

suite('sqlite');
suite('redis');
