// The Redis settings: parsing, limits, precedence, conflicts, and the target they build.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { redisTarget } from '../../src/store/redis/settings.js';

function load(flags: Record<string, string>, env: Record<string, string> = {}) {
  return loadConfig({ flags, env });
}

function target(flags: Record<string, string>, env: Record<string, string> = {}) {
  return redisTarget(load(flags, env));
}

describe('Redis settings', () => {
  it('uses SQLite when no Redis setting names a server', () => {
    assert.equal(target({}), null);
    assert.equal(target({ 'redis-prefix': 'x:', 'redis-timeout-ms': '500', 'redis-pool': '4' }), null);
  });

  it('parses --redis URLs with credentials, database and TLS', () => {
    assert.deepEqual(target({ redis: 'redis://127.0.0.1:6380/2' }), { kind: 'standalone', host: '127.0.0.1', port: 6380, db: 2, tls: false });
    assert.deepEqual(target({ redis: 'rediss://us%40r:p%3Ass@localhost' }), {
      kind: 'standalone', host: 'localhost', port: 6379, db: 0, tls: true, username: 'us@r', password: 'p:ss',
    });
    assert.deepEqual(target({ redis: 'redis://:secret@[::1]:7000' }), { kind: 'standalone', host: '::1', port: 7000, db: 0, tls: false, password: 'secret' });
    assert.deepEqual(target({ redis: 'redis://127.0.0.1', 'redis-db': '3' }), { kind: 'standalone', host: '127.0.0.1', port: 6379, db: 3, tls: false });
  });

  it('refuses malformed URLs with a message naming the setting', () => {
    for (const bad of ['127.0.0.1:6379', 'http://127.0.0.1', 'redis://127.0.0.1/db1', 'redis://127.0.0.1/0?x=1', 'redis://']) {
      assert.throws(() => load({ redis: bad }), (err: unknown) => err instanceof ConfigError && err.message.includes('--redis'), bad);
    }
    assert.throws(() => load({}, { RESTMQ_REDIS: 'nope' }), /RESTMQ_REDIS/);
    assert.throws(() => load({ redis: 'redis://h/1', 'redis-db': '2' }), /either in the --redis URL or with --redis-db/);
  });

  it('keeps the original flags: --redis-host, --redis-port, --redis-db', () => {
    assert.deepEqual(target({ 'redis-host': '10.0.0.5' }), { kind: 'standalone', host: '10.0.0.5', port: 6379, db: 0, tls: false });
    assert.deepEqual(target({ 'redis-port': '6390', 'redis-db': '1' }), { kind: 'standalone', host: '127.0.0.1', port: 6390, db: 1, tls: false });
    assert.throws(() => load({ 'redis-port': '0' }), /--redis-port must be a whole number from 1 to 65535/);
    assert.throws(() => load({ 'redis-port': '65536' }), /--redis-port/);
    assert.throws(() => load({ 'redis-db': '1' }), /--redis-db needs a Redis server/);
    assert.throws(() => load({ 'redis-db': '65536', 'redis-host': 'h' }), /--redis-db/);
  });

  it('builds Cluster and Sentinel targets from host:port lists', () => {
    assert.deepEqual(target({ 'redis-cluster': '127.0.0.1:7000, 127.0.0.1:7001' }), {
      kind: 'cluster', nodes: [{ host: '127.0.0.1', port: 7000 }, { host: '127.0.0.1', port: 7001 }],
    });
    assert.deepEqual(target({ 'redis-sentinel': '10.0.0.1:26379' }, { RESTMQ_REDIS_SENTINEL_NAME: 'prod' }), {
      kind: 'sentinel', sentinels: [{ host: '10.0.0.1', port: 26379 }], name: 'prod', db: 0,
    });
    for (const bad of ['127.0.0.1', ':7000', 'h:0', 'h:70000', 'a:1,,b:2']) {
      assert.throws(() => load({ 'redis-cluster': bad }), /--redis-cluster must be a comma-separated list of host:port/, bad);
    }
    assert.throws(() => load({ 'redis-cluster': 'h:1', 'redis-db': '2' }), /a Cluster has only database 0/);
  });

  it('refuses two ways of naming the server at once', () => {
    assert.throws(() => load({ redis: 'redis://h', 'redis-cluster': 'h:1' }), /use only one of --redis, --redis-cluster/);
    assert.throws(() => load({ 'redis-host': 'h' }, { RESTMQ_REDIS_SENTINEL: 'h:26379' }), /use only one of/);
  });

  it('bounds the pool, the timeout and the prefix', () => {
    assert.equal(load({}).redisPool, 1);
    assert.equal(load({ 'redis-pool': '64' }).redisPool, 64);
    assert.throws(() => load({ 'redis-pool': '0' }), /--redis-pool must be a whole number from 1 to 64/);
    assert.throws(() => load({ 'redis-pool': '65' }), /--redis-pool/);
    assert.equal(load({}).redisTimeoutMs, 3000);
    assert.equal(load({}, { RESTMQ_REDIS_TIMEOUT_MS: '100' }).redisTimeoutMs, 100);
    assert.throws(() => load({ 'redis-timeout-ms': '99' }), /--redis-timeout-ms must be a whole number from 100 to 60000/);
    assert.throws(() => load({ 'redis-timeout-ms': '60001' }), /--redis-timeout-ms/);
    assert.equal(load({}).redisPrefix, 'restmq:');
    assert.equal(load({ 'redis-prefix': '' }).redisPrefix, '');
    assert.equal(load({ 'redis-prefix': 'p'.repeat(64) }).redisPrefix, 'p'.repeat(64));
    assert.throws(() => load({ 'redis-prefix': 'p'.repeat(65) }), /--redis-prefix must be at most 64 characters/);
    assert.throws(() => load({ 'redis-prefix': 'a{b}' }), /without spaces or braces/);
  });

  it('lets flags override the environment', () => {
    assert.deepEqual(target({ 'redis-port': '7001' }, { RESTMQ_REDIS_PORT: '7000' }), { kind: 'standalone', host: '127.0.0.1', port: 7001, db: 0, tls: false });
  });

  it('documents every Redis flag and what the pool means in serve --help', () => {
    const bin = fileURLToPath(new URL('../../bin/restmq', import.meta.url));
    const out = spawnSync(process.execPath, [bin, 'serve', '--help'], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    for (const flag of ['--redis ', '--redis-host', '--redis-port', '--redis-db', '--redis-pool', '--redis-cluster', '--redis-sentinel ', '--redis-sentinel-name', '--redis-prefix', '--redis-timeout-ms']) {
      assert.ok(out.stdout.includes(flag), flag);
    }
    assert.match(out.stdout, /ioredis pipelines every command over one/);
    assert.match(out.stdout, /RESTMQ_REDIS_CLUSTER/);
  });

  it('exits 2 with a clear message on a bad Redis setting', () => {
    const bin = fileURLToPath(new URL('../../bin/restmq', import.meta.url));
    const out = spawnSync(process.execPath, [bin, 'serve', '--redis', 'http://x'], { encoding: 'utf8' });
    assert.equal(out.status, 2);
    assert.match(out.stderr, /restmq: --redis must start with redis:\/\/ or rediss:\/\//);
  });
});
