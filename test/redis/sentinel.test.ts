// A daemon that finds its Redis through Sentinel (`redis-server --sentinel`): it serves
// through the master Sentinel names, and after a failover it follows the new master.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { redisCommand, startRedis, startSentinel } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { postForm, queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const NAME = 'restmq-test';

describe('Redis behind Sentinel', { timeout: 60_000 }, () => {
  let master: RedisProcess;
  let replica: RedisProcess;
  let sentinel: RedisProcess;
  let server: TestServer;

  before(async () => {
    master = await startRedis();
    replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    await waitFor('replica in sync', async () => String(await redisCommand(replica.port, 'INFO', 'replication')).includes('master_link_status:up'));
    sentinel = await startSentinel(master.port, NAME);
    await waitFor('sentinel knows the replica', async () => {
      const replicas = await redisCommand(sentinel.port, 'SENTINEL', 'REPLICAS', NAME);
      return Array.isArray(replicas) && replicas.length === 1;
    });
    server = await startTestServer({
      redisSentinel: [{ host: '127.0.0.1', port: sentinel.port }],
      redisSentinelName: NAME,
      redisPrefix: 'sent:',
      redisTimeoutMs: 1000,
    });
  });
  after(async () => {
    await server?.stop();
    await sentinel?.stop();
    await replica?.stop();
    await master?.stop();
  });

  it('publishes and pops through the master Sentinel names', async () => {
    const q = queueName();
    const posted = await postForm(`${server.url}/q/${q}`, { value: 'via sentinel' });
    assert.equal(posted.status, 200);
    assert.equal((await posted.text()).trim(), `${q}:1`);
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    const popped = (await (await fetch(`${server.url}/q/${q}`)).json()) as { value: string };
    assert.equal(popped.value, 'via sentinel');
  });

  it('follows a failover to the promoted replica without a restart', async () => {
    const q = queueName();
    for (const value of ['a', 'b']) assert.equal((await postForm(`${server.url}/q/${q}`, { value })).status, 200);
    await waitFor('replicated', async () => (await redisCommand(replica.port, 'ZCARD', `sent:{${q}}:ready`)) === 2);
    assert.equal(await redisCommand(sentinel.port, 'SENTINEL', 'FAILOVER', NAME), 'OK');
    await waitFor('replica promoted', async () => String(await redisCommand(replica.port, 'ROLE')).startsWith('master'), 20_000);
    await waitFor('old master demoted', async () => String(await redisCommand(master.port, 'ROLE')).startsWith('slave'), 20_000);
    // The daemon's command connection (named restmq-0) moves to the promoted replica.
    await waitFor('daemon on the new master', async () => String(await redisCommand(replica.port, 'CLIENT', 'LIST')).includes('name=restmq-0 '), 20_000);
    await waitFor('daemon serves again', async () => (await fetch(`${server.url}/readyz`)).status === 200, 20_000);
    assert.equal((await postForm(`${server.url}/q/${q}`, { value: 'c' })).status, 200);
    const values: string[] = [];
    for (;;) {
      const res = await fetch(`${server.url}/q/${q}`);
      if (res.status === 204) break;
      assert.equal(res.status, 200);
      values.push(((await res.json()) as { value: string }).value);
    }
    assert.deepEqual(values, ['a', 'b', 'c']);
    assert.equal(await redisCommand(replica.port, 'ZCARD', `sent:{${q}}:ready`), 0);
  });
});
