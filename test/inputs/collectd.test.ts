// collectd input: Debian's real collectd with write_http pointed at the server (Format
// Command, Format JSON, and threshold notifications) on both stores; then the parser over
// HTTP (PUTVAL and PUTNOTIF fields, U and N, refusals that store nothing, the 1000-value
// bound), configured queue names, and the ACL on the fixed queue.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashToken } from '../../src/access/secrets.js';
import { assertError, isRecord, raw, request } from '../support/http.js';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { startTestServer, tempDir } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { bearer, startAclServer } from '../access/helpers.js';
import { waitFor } from '../support/wait.js';

/** Pops every message of `queue` now, as text values. */
async function drain(server: TestServer, queue: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const answer = await request(`${server.url}/q/${queue}`);
    if (answer.status === 204) return out;
    const body: unknown = JSON.parse(answer.text);
    assert.ok(isRecord(body) && typeof body.value === 'string', answer.text);
    out.push(body.value);
  }
}

/** A collectd.conf that touches nothing outside `dir` and posts to `url`. */
function collectdConf(dir: string, url: string): string {
  return `Hostname "restmq-test"
FQDNLookup false
BaseDir "${dir}"
PIDFile "${join(dir, 'collectd.pid')}"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
Interval 1
LoadPlugin load
LoadPlugin memory
LoadPlugin threshold
<LoadPlugin write_http>
  FlushInterval 1
</LoadPlugin>
<Plugin threshold>
  <Plugin "memory">
    <Type "memory">
      Instance "used"
      WarningMax 1
      Persist true
    </Type>
  </Plugin>
</Plugin>
<Plugin write_http>
  <Node "command">
    URL "${url}/collectd/data"
    Format "Command"
    BufferSize 1024
    Notifications false
  </Node>
  <Node "json">
    URL "${url}/collectd/data"
    Format "JSON"
    BufferSize 1024
    Notifications false
  </Node>
  <Node "events">
    URL "${url}/collectd/event"
    Metrics false
    Notifications true
  </Node>
</Plugin>
`;
}

function suite(store: 'sqlite' | 'redis'): void {
  describe(`collectd write_http into RestMQ (${store})`, { timeout: 60_000 }, () => {
    let redis: RedisProcess | undefined;
    let server: TestServer;
    let collectd: ChildProcess | undefined;
    let log = '';
    const dir = tempDir('restmq-collectd-');
    before(async () => {
      if (store === 'redis') redis = await startRedis();
      server = await startTestServer(redis === undefined ? {} : { redisUrl: `${redis.url}/0` });
    });
    after(async () => {
      if (collectd !== undefined && collectd.exitCode === null) {
        const exited = new Promise((resolve) => collectd?.once('exit', resolve));
        collectd.kill('SIGTERM');
        await exited;
      }
      await server?.stop();
      await redis?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('queues PUTVAL lines as JSON, JSON values as sent, and notifications', async () => {
      const conf = join(dir, 'collectd.conf');
      writeFileSync(conf, collectdConf(dir, server.url));
      collectd = spawn('/usr/sbin/collectd', ['-f', '-C', conf, '-P', join(dir, 'collectd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
      collectd.stdout?.on('data', (c: Buffer) => (log += c.toString()));
      collectd.stderr?.on('data', (c: Buffer) => (log += c.toString()));
      collectd.on('error', (err) => (log += `cannot run collectd: ${err.message}`));
      const data: string[] = [];
      const events: string[] = [];
      const fromCommand = (): Record<string, unknown>[] =>
        data.map((v) => JSON.parse(v) as unknown).filter((v): v is Record<string, unknown> => isRecord(v) && Array.isArray(v.values));
      const fromJson = (): unknown[][] => data.map((v) => JSON.parse(v) as unknown).filter((v): v is unknown[] => Array.isArray(v));
      await waitFor('PUTVAL, JSON and notification messages from collectd', async () => {
          data.push(...(await drain(server, 'collectd_data')));
          events.push(...(await drain(server, 'collectd_event')));
          const command = fromCommand();
          return command.some((r) => r.plugin === 'load') && command.some((r) => r.type_instance === 'used') && fromJson().length > 0 && events.length > 0;
        }, { timeoutMs: 30_000, intervalMs: 200 }).catch((err: unknown) => assert.fail(`${String(err)}\ncollectd said:\n${log}`));
      const load = fromCommand().find((r) => r.plugin === 'load');
      assert.ok(load !== undefined);
      assert.equal(load.host, 'restmq-test');
      assert.equal(load.type, 'load');
      assert.equal(load.interval, 1);
      assert.equal(typeof load.time, 'number');
      assert.ok(Array.isArray(load.values) && load.values.length === 3 && load.values.every((v) => typeof v === 'number'));
      const memory = fromCommand().find((r) => r.plugin === 'memory' && r.type_instance === 'used');
      assert.ok(memory !== undefined && memory.type === 'memory');
      // The JSON node's body is kept as write_http sent it: an array of value lists.
      const [first] = fromJson()[0] ?? [];
      assert.ok(isRecord(first) && Array.isArray(first.dsnames) && first.host === 'restmq-test');
      const [notification] = JSON.parse(events[0] ?? '[]') as unknown[];
      assert.ok(isRecord(notification), events[0]);
      assert.match(JSON.stringify(notification), /restmq-test/);
    });
  });
}

suite('sqlite');
suite('redis');

describe('collectd input over HTTP', { timeout: 30_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ collectdDataQueue: 'metrics', collectdEventQueue: 'alerts' });
  });
  after(async () => {
    await server?.stop();
  });
  const post = (path: string, body: string, type = 'text/plain'): ReturnType<typeof raw> => raw(`${server.url}${path}`, type, body);

  it('parses PUTVAL into collectd JSON field names, into the configured queue', async () => {
    const body = 'PUTVAL "web 1/cpu-0/cpu-user" interval=10.000 1700000000.5:42:U\r\nPUTVAL h/load/load N:0.5:0.25:0.125\r\n';
    const before = Date.now() / 1000;
    const answer = await post('/collectd/data', body);
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(JSON.parse(answer.text), { queue: 'metrics', keys: ['metrics:1', 'metrics:2'] });
    const [cpu, load] = (await drain(server, 'metrics')).map((v) => JSON.parse(v) as Record<string, unknown>);
    assert.deepEqual(cpu, { host: 'web 1', plugin: 'cpu', plugin_instance: '0', type: 'cpu', type_instance: 'user', interval: 10, time: 1700000000.5, values: [42, null] });
    assert.ok(load !== undefined && typeof load.time === 'number' && load.time >= before && load.interval === null);
    assert.deepEqual(load.values, [0.5, 0.25, 0.125]);
  });

  it('parses PUTNOTIF lines and keeps JSON notifications as sent', async () => {
    const text = 'PUTNOTIF severity=warning time=1700000000 host=h plugin=df message="disk almost full"';
    assert.equal((await post('/collectd/event', text)).status, 200);
    const json = '[{"labels":{"severity":"WARNING"}}]';
    assert.equal((await post('/collectd/event', json)).status, 200);
    const [notif, asSent] = await drain(server, 'alerts');
    assert.deepEqual(JSON.parse(notif ?? ''), { severity: 'warning', time: 1700000000, host: 'h', plugin: 'df', message: 'disk almost full' });
    assert.equal(asSent, json);
  });

  it('refuses what is not write_http output and stores nothing of it', async () => {
    const bad = [
      ['/collectd/data', 'PUTVAL h/load/load 1:1\nGETVAL h/load/load'],
      ['/collectd/data', 'PUTVAL h/load 1:1'],
      ['/collectd/data', 'PUTVAL h/load/load 1:abc'],
      ['/collectd/data', 'PUTVAL h/load/load interval=10'],
      ['/collectd/data', 'PUTVAL "h/load/load 1:1'],
      ['/collectd/data', '[{"values":'],
      ['/collectd/data', '   \n'],
      ['/collectd/event', 'PUTNOTIF host=h'],
      ['/collectd/event', 'PUTVAL h/load/load 1:1'],
    ] as const;
    for (const [path, body] of bad) assertError(await post(path, body), 'invalid_collectd');
    assertError(await raw(`${server.url}/collectd/data`, 'application/octet-stream', 'x'), 'unsupported_media_type');
    assert.deepEqual(await drain(server, 'metrics'), []);
    assert.deepEqual(await drain(server, 'alerts'), []);
  });

  it('takes 1000 values in one request and refuses 1001', async () => {
    const lines = (n: number): string => Array.from({ length: n }, (_, i) => `PUTVAL h/p/t ${i + 1}:${i}`).join('\n');
    const taken = await post('/collectd/data', lines(1000));
    assert.equal(taken.status, 200);
    assert.equal((JSON.parse(taken.text) as { keys: string[] }).keys.length, 1000);
    assert.equal((await request(`${server.url}/q/metrics`, { method: 'DELETE' })).status, 200);
    assertError(await post('/collectd/data', lines(1001)), 'invalid_collectd');
    assert.deepEqual(await drain(server, 'metrics'), []);
  });
});

describe('collectd routes under the ACL', { timeout: 30_000 }, () => {
  it('need produce on the fixed queue: another queue\'s producer gets 403', async () => {
    const acl = [
      '[token:collectd]',
      `sha256 = ${hashToken('tok-collectd')}`,
      'queues = collectd_*',
      'allow = produce',
      '',
      '[token:jobs]',
      `sha256 = ${hashToken('tok-jobs')}`,
      'queues = jobs.*',
      'allow = produce consume',
      '',
    ].join('\n');
    const running = await startAclServer('sqlite', acl);
    const { server } = running;
    try {
      const send = (path: string, token: string): Promise<number> =>
        raw(`${server.url}${path}`, 'text/plain', 'PUTVAL h/load/load 1:1', bearer(token)).then((a) => a.status);
      assert.equal(await send('/collectd/data', 'tok-jobs'), 403);
      assert.equal(await send('/collectd/event', 'tok-jobs'), 403);
      assert.equal(await send('/collectd/data', 'tok-collectd'), 200);
      assert.equal((await raw(`${server.url}/collectd/data`, 'text/plain', 'PUTVAL h/load/load 1:1')).status, 401);
    } finally {
      await running.stop();
    }
  });
});
