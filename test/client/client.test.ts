/**
 * The typed client (src/client) against real servers over real sockets: every method,
 * typed errors, Basic and bearer credentials, and subscriptions (SSE and WebSocket) that
 * reconnect and resume across a server restart, delivering each message once, in order.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { hashPassword, hashToken } from '../../src/access/secrets.js';
import { ForbiddenError, LeaseLostError, MessageNotFoundError, QueueFullError, RestMQClient, RestMQError, UnauthorizedError } from '../../src/client/index.js';
import type { StreamMessage } from '../../src/client/index.js';
import { STORES, startAclServer } from '../access/helpers.js';
import type { AclServer } from '../access/helpers.js';
import { freePort } from '../support/redis.js';
import { queueName, startTestServer, tempDir } from '../support/server.js';
import { waitFor } from '../support/wait.js';

async function rejectsWith<T extends RestMQError>(promise: Promise<unknown>, type: new (...args: never[]) => T, code: string, status: number): Promise<T> {
  const error: unknown = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
  assert.equal(error.code, code);
  assert.equal(error.status, status);
  return error;
}

describe('client library: what it may import', () => {
  it('imports only its own files and the error catalog (no server, no node-only modules), so it runs in browsers', () => {
    const dir = new URL('../../src/client/', import.meta.url);
    const files = readdirSync(dir).filter((name) => name.endsWith('.ts'));
    assert.ok(files.includes('index.ts'));
    for (const file of files) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      for (const [, from] of source.matchAll(/from '([^']+)'/g)) {
        assert.ok(from !== undefined && (/^\.\/[a-z-]+\.js$/.test(from) || from === '../core/errors.js'), `${file} imports ${String(from)}`);
      }
    }
  });
});

for (const store of STORES) describe(`client library: every method against a real server (${store})`, () => {
  let server: AclServer;
  let client: RestMQClient;
  before(async () => {
    server = await startAclServer(store, null, { maxMessageBytes: 1024 });
    client = new RestMQClient({ url: server.server.url });
  });
  after(async () => server.stop());

  it('publishes with ttl, delay and dedup, in batches, pops, peeks and reads by key', async () => {
    const queue = queueName('pub');
    const first = await client.publish(queue, 'hello', { ttl: 60, dedup: 'd-1' });
    assert.deepEqual(first, { key: `${queue}:1`, duplicate: false });
    assert.deepEqual(await client.publish(queue, 'hello again', { dedup: 'd-1' }), { key: `${queue}:1`, duplicate: true });
    assert.deepEqual(await client.publish(queue, { temp: 21 }, { delay: 3600 }), { key: `${queue}:2`, duplicate: false });
    const batch = await client.publishBatch(queue, ['a', { value: 'b', ttl: 60 }, { value: 'c', dedup: 'd-1' }]);
    assert.deepEqual(batch, [
      { key: `${queue}:3`, duplicate: false },
      { key: `${queue}:4`, duplicate: false },
      { key: `${queue}:1`, duplicate: true },
    ]);
    const peeked = await client.peek(queue, 10);
    assert.deepEqual(
      peeked.map((m) => [m.key, m.value, m.state]),
      [
        [`${queue}:1`, 'hello', 'ready'],
        [`${queue}:2`, '{"temp":21}', 'delayed'],
        [`${queue}:3`, 'a', 'ready'],
        [`${queue}:4`, 'b', 'ready'],
      ],
    );
    assert.equal((await client.get(queue, `${queue}:2`)).value, '{"temp":21}');
    assert.deepEqual(await client.pop(queue), { key: `${queue}:1`, value: 'hello', count: 0 });
    assert.equal((await client.pop(queue))?.key, `${queue}:3`);
    assert.equal((await client.pop(queue))?.key, `${queue}:4`);
    assert.equal(await client.pop(queue), null, 'only the delayed message is left');
    await rejectsWith(client.get(queue, `${queue}:1`), MessageNotFoundError, 'message_not_found', 404);
    assert.equal(await client.delete(queue, `${queue}:2`), true);
    assert.equal(await client.delete(queue, `${queue}:2`), false);
  });

  it('publishes in message groups: a group is held while a member is leased, and answers carry the group', async () => {
    const queue = queueName('grp');
    await client.publish(queue, 'a1', { group: 'orders-1' });
    await client.publishBatch(queue, [{ value: 'a2', group: 'orders-1' }, { value: 'b1', group: 'orders-2' }, 'plain']);
    const [first] = await client.lease(queue, { seconds: 30 });
    assert.deepEqual([first?.value, first?.group], ['a1', 'orders-1']);
    const rest = await client.lease(queue, { seconds: 30, n: 10 });
    assert.deepEqual(rest.map((m) => [m.value, m.group]), [['b1', 'orders-2'], ['plain', undefined]], 'a2 waits while a1 is out');
    await first?.ack();
    assert.deepEqual(await client.pop(queue), { key: `${queue}:2`, value: 'a2', count: 0, group: 'orders-1' });
    await rejectsWith(client.publish(queue, 'x', { group: 'bad group' }), RestMQError, 'invalid_group', 400);
  });

  it('long-polls: a pop with wait gets a message that becomes ready while it waits', async () => {
    const queue = queueName('poll');
    await client.publish(queue, 'late', { delay: 1 });
    assert.equal(await client.pop(queue), null, 'not ready yet');
    assert.equal((await client.pop(queue, { wait: 10 }))?.value, 'late');
    assert.equal(await client.pop(queue, { wait: 0 }), null);
  });

  it('leases with ack, release (with delay) and extend; a used receipt is a LeaseLostError', async () => {
    const queue = queueName('lease');
    await client.publishBatch(queue, ['one', 'two']);
    const leased = await client.lease(queue, { seconds: 30, n: 2 });
    assert.deepEqual(
      leased.map((m) => [m.key, m.value, m.attempts]),
      [
        [`${queue}:1`, 'one', 1],
        [`${queue}:2`, 'two', 1],
      ],
    );
    const [one, two] = leased;
    assert.ok(one !== undefined && two !== undefined);
    const extended = await one.extend(600);
    assert.ok(Date.parse(extended) > Date.parse(one.leaseExpiresAt));
    await one.ack();
    await rejectsWith(one.ack(), LeaseLostError, 'stale_receipt', 409);
    const released = await two.release({ delay: 0 });
    assert.equal(released.deadLetter, false);
    const again = await client.lease(queue, { seconds: 30, wait: 5 });
    assert.deepEqual(
      again.map((m) => [m.key, m.attempts]),
      [[`${queue}:2`, 2]],
    );
    assert.deepEqual(await client.lease(queue, { seconds: 30 }), [], 'nothing else is ready');
  });

  it('reads and changes settings, policy and status; answers stats; purges and drops', async () => {
    const queue = queueName('admin');
    const config = await client.configure(queue, { lease: 45, max_length: 1 });
    assert.equal(config['lease'], 45);
    assert.equal((await client.config(queue))['max_length'], 1);
    await client.setPolicy(queue, 'roundrobin');
    await client.setStatus(queue, 'stop');
    const settings = await client.config(queue);
    assert.equal(settings['policy'], 'roundrobin');
    assert.equal(settings['status'], 'stopped');
    await client.publish(queue, 'only');
    const full = await rejectsWith(client.publish(queue, 'one too many'), QueueFullError, 'queue_full', 429);
    assert.equal(full.retryAfterSeconds, 1);
    const stats = await client.stats(queue);
    assert.equal(stats['len'], 1);
    const all = await client.stats();
    assert.ok(typeof all['queues'] === 'object' && all['queues'] !== null && queue in all['queues']);
    assert.equal(await client.purge(queue), 1);
    await client.publish(queue, 'again');
    assert.equal(await client.drop(queue), 1);
    assert.equal((await client.config(queue))['max_length'], null, 'drop forgot the settings');
  });

  it('redrives dead letters back to their queue', async () => {
    const queue = queueName('dlq');
    await client.configure(queue, { max_attempts: 1 });
    await client.publish(queue, 'doomed');
    const [leased] = await client.lease(queue, { seconds: 30 });
    assert.ok(leased !== undefined);
    assert.equal((await leased.release()).deadLetter, true);
    assert.equal(await client.redrive(`${queue}.dlq`), 1);
    assert.equal((await client.pop(queue))?.value, 'doomed');
  });

  it('refusals are typed errors carrying the catalog code and status', async () => {
    const queue = queueName('err');
    await rejectsWith(client.publish(queue, 'x'.repeat(1025)), RestMQError, 'message_too_large', 413);
    await client.publish(queue, 'x'.repeat(1024)); // the boundary itself is accepted
    await rejectsWith(client.publish('bad name!', 'x'), RestMQError, 'invalid_queue_name', 400);
    await rejectsWith(client.lease(queue, { seconds: 43201 }), RestMQError, 'invalid_lease', 400);
    await rejectsWith(client.configure(queue, { lease: 0 }), RestMQError, 'invalid_config', 400);
    const offline = new RestMQClient({ url: 'http://127.0.0.1:1' });
    await rejectsWith(offline.pop(queue), RestMQError, 'network', 0);
  });

  for (const transport of ['sse', 'websocket'] as const) it(`subscribes over ${transport} from a resume point: \`since\` replays the broadcast history after that key`, async () => {
    const queue = queueName('since');
    const first: StreamMessage[] = [];
    let open = false;
    const live = client.subscribe(queue, { transport, WebSocket, onMessage: (m) => first.push(m), onOpen: () => (open = true) });
    await waitFor('the stream', () => open);
    await client.publishBatch(queue, ['a', 'b', 'c']);
    await waitFor('three messages', () => first.length === 3);
    live.close();
    const resumed: StreamMessage[] = [];
    const again = client.subscribe(queue, { transport, WebSocket, since: `${queue}:1`, onMessage: (m) => resumed.push(m) });
    await waitFor('the replay', () => resumed.length === 2);
    again.close();
    assert.deepEqual(
      resumed.map((m) => m.value),
      ['b', 'c'],
    );
  });
});

describe('client library: credentials against a server with an ACL (SQLite)', () => {
  const token = 'tok-client-1';
  let acl: AclServer;
  before(async () => {
    const text = [
      '[user:alice]',
      `password_hash = ${await hashPassword('alice-pw')}`,
      'queues = *',
      'allow = produce, consume, admin',
      '',
      '[token:jobs]',
      `sha256 = ${hashToken(token)}`,
      'queues = jobs.*',
      'allow = produce, consume',
      '',
    ].join('\n');
    acl = await startAclServer('sqlite', text);
  });
  after(async () => acl.stop());

  it('no credentials or a wrong token is an UnauthorizedError; a token outside its rights is a ForbiddenError', async () => {
    const url = acl.server.url;
    await rejectsWith(new RestMQClient({ url }).publish('jobs.a', 'x'), UnauthorizedError, 'unauthorized', 401);
    await rejectsWith(new RestMQClient({ url, token: 'wrong-token' }).publish('jobs.a', 'x'), UnauthorizedError, 'unauthorized', 401);
    await rejectsWith(new RestMQClient({ url, username: 'alice', password: 'nope' }).publish('jobs.a', 'x'), UnauthorizedError, 'unauthorized', 401);
    await rejectsWith(new RestMQClient({ url, token }).publish('other', 'x'), ForbiddenError, 'forbidden', 403);
    await rejectsWith(new RestMQClient({ url, token }).purge('jobs.a'), ForbiddenError, 'forbidden', 403);
  });

  it('a bearer token and HTTP Basic are accepted', async () => {
    const url = acl.server.url;
    const queue = `jobs.${queueName('cred')}`;
    const bearerClient = new RestMQClient({ url, token });
    const { key } = await bearerClient.publish(queue, 'by token');
    const alice = new RestMQClient({ url, username: 'alice', password: 'alice-pw' });
    assert.deepEqual(await alice.pop(queue), { key, value: 'by token', count: 0 });
    assert.equal(await alice.purge(queue), 0);
  });

  it('a subscription refused for lack of credentials reports UnauthorizedError and stops', async () => {
    const errors: RestMQError[] = [];
    let calls = 0;
    const subscription = new RestMQClient({ url: acl.server.url }).subscribe('jobs.x', {
      onMessage: () => calls++,
      onError: (error) => errors.push(error),
      minDelayMs: 10,
    });
    await waitFor('the refusal', () => errors.length > 0);
    subscription.close();
    assert.ok(errors[0] instanceof UnauthorizedError);
    assert.equal(errors.length, 1, 'a final refusal is not retried');
    assert.equal(calls, 0);
  });
});

for (const transport of ['sse', 'websocket'] as const) {
  describe(`client library: a ${transport} subscription across a server restart`, () => {
    it('reconnects and resumes: every message once, in order', async () => {
      const dataDir = tempDir();
      const port = await freePort();
      let server = await startTestServer({ dataDir, port });
      const queue = queueName(transport);
      const publisher = new RestMQClient({ url: server.url });
      // The subscriber's own fetch waits at a gate while it is shut, so (over SSE) the test
      // decides when it reconnects: after another consumer took m3 and m4 from the queue,
      // so only a resume from the broadcast history can bring them.
      let openGate: () => void = () => undefined;
      let gate: Promise<void> = Promise.resolve();
      const client = new RestMQClient({ url: server.url, fetch: (input, init) => gate.then(() => fetch(input, init)) });
      const got: StreamMessage[] = [];
      const errors: RestMQError[] = [];
      let opens = 0;
      const subscription = client.subscribe(queue, {
        transport,
        WebSocket,
        onMessage: (m) => got.push(m),
        onError: (error) => errors.push(error),
        onOpen: () => opens++,
        minDelayMs: 20,
        maxDelayMs: 200,
      });
      const others: StreamMessage[] = [];
      let other: { close(): void } | null = null;
      try {
        await waitFor('the first connection', () => opens === 1);
        await publisher.publish(queue, 'm1');
        await publisher.publish(queue, 'm2');
        await waitFor('two messages', () => got.length === 2);
        gate = new Promise((resolve) => (openGate = resolve));
        await server.close();
        await waitFor('the closing reason', () => errors.some((e) => e.code === 'shutting_down'));
        server = await startTestServer({ dataDir, port });
        if (transport === 'sse') {
          let otherOpen = false;
          other = publisher.subscribe(queue, { onMessage: (m) => others.push(m), onOpen: () => (otherOpen = true) });
          await waitFor('the other consumer', () => otherOpen);
        }
        await publisher.publish(queue, 'm3');
        await publisher.publish(queue, 'm4');
        if (transport === 'sse') await waitFor('the other consumer took m3 and m4', () => others.length === 2);
        openGate();
        await waitFor('four messages', () => got.length >= 4);
        await publisher.publish(queue, 'm5');
        await waitFor('five messages', () => got.length >= 5);
        assert.deepEqual(
          got.map((m) => [m.key, m.value]),
          [1, 2, 3, 4, 5].map((n) => [`${queue}:${n}`, `m${n}`]),
        );
        assert.ok(opens >= 2, 'it reconnected');
        assert.equal(subscription.lastKey, `${queue}:5`);
      } finally {
        openGate();
        subscription.close();
        other?.close();
        await server.stop();
      }
    });
  });
}
