// loadConfig: every setting's limits, from each source (flag, RESTMQ_* env, JSON file),
// the precedence between them, and error messages that name the bad setting.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, SETTINGS, loadConfig } from '../../src/config.js';
import type { Config } from '../../src/config.js';
import { tempDir } from '../support/server.js';

const folder = tempDir('restmq-config-');
after(() => rmSync(folder, { recursive: true, force: true }));

let files = 0;
function file(content: unknown): string {
  const path = join(folder, `c${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const MiB = 1_048_576;

/**
 * Per setting: raw texts that must parse (with the value they give) and texts that must not;
 * `needs` are flags given alongside, for settings that only make sense with another one.
 */
const LIMITS: Record<keyof Config, { good: Array<[string, unknown]>; bad: string[]; needs?: Record<string, string> }> = {
  port: { good: [['0', 0], ['1', 1], ['8080', 8080], ['65535', 65535]], bad: ['65536', '-1', '1.5', 'abc', ' 80', '0x50', '1e3', ''] },
  listen: { good: [['0.0.0.0', '0.0.0.0'], ['::1', '::1'], ['localhost', 'localhost']], bad: [''] },
  dataDir: { good: [['/var/lib/restmq', '/var/lib/restmq'], ['data', 'data']], bad: [''] },
  sync: { good: [['full', 'full'], ['normal', 'normal']], bad: ['FULL', 'off', 'bogus', ''] },
  maxMessageBytes: { good: [['1', 1], [String(64 * MiB), 64 * MiB]], bad: ['0', String(64 * MiB + 1), '1k', '-5', ''] },
  logLevel: {
    good: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => [l, l]),
    bad: ['verbose', 'INFO', ''],
  },
  logFormat: { good: [['auto', 'auto'], ['pretty', 'pretty'], ['json', 'json']], bad: ['text', 'JSON', ''] },
  shutdownTimeoutMs: { good: [['0', 0], ['600000', 600_000]], bad: ['600001', '-1', '10s', ''] },
  streamBufferBytes: { good: [['1024', 1024], [String(256 * MiB), 256 * MiB]], bad: ['1023', String(256 * MiB + 1), '1.5', ''] },
  streamBatchSize: { good: [['1', 1], ['10000', 10_000]], bad: ['0', '10001', 'x', ''] },
  streamHistoryMessages: { good: [['1', 1], ['1000000', 1_000_000]], bad: ['0', '1000001', ''] },
  streamHistorySeconds: { good: [['1', 1], ['604800', 604_800]], bad: ['0', '604801', ''] },
  sseHeartbeatSeconds: { good: [['1', 1], ['300', 300]], bad: ['0', '301', ''] },
  sseRetryMs: { good: [['0', 0], ['600000', 600_000]], bad: ['600001', '-1', ''] },
  wsPingSeconds: { good: [['1', 1], ['3600', 3600]], bad: ['0', '3601', ''] },
  redisUrl: {
    good: [['redis://127.0.0.1:6379/0', 'redis://127.0.0.1:6379/0'], ['rediss://u:p@h/2', 'rediss://u:p@h/2']],
    bad: ['http://h', 'redis://', 'redis://h/x', 'redis://h/0?a=1', ''],
  },
  redisHost: { good: [['10.0.0.9', '10.0.0.9']], bad: [''] },
  redisPort: { good: [['1', 1], ['65535', 65535]], bad: ['0', '65536', 'x', ''] },
  redisDb: { good: [['0', 0], ['65535', 65535]], bad: ['-1', '65536', 'x', ''], needs: { 'redis-host': '127.0.0.1' } },
  redisPool: { good: [['1', 1], ['64', 64]], bad: ['0', '65', '1.5', ''] },
  redisCluster: {
    good: [['h:7000,h2:7001', [{ host: 'h', port: 7000 }, { host: 'h2', port: 7001 }]]],
    bad: ['h', 'h:0', 'h:65536', ':7000', ''],
  },
  redisSentinel: { good: [['s:26379', [{ host: 's', port: 26379 }]]], bad: ['s', 's:x', ''] },
  redisSentinelName: { good: [['mymaster', 'mymaster']], bad: [''] },
  redisPrefix: { good: [['staging:', 'staging:'], ['x'.repeat(64), 'x'.repeat(64)]], bad: ['a b', 'a{b', 'x'.repeat(65)] },
  redisTimeoutMs: { good: [['100', 100], ['60000', 60_000]], bad: ['99', '60001', 'x', ''] },
  acl: { good: [['/etc/restmq/acl.conf', '/etc/restmq/acl.conf']], bad: [''] },
  protectedMode: { good: [['yes', 'yes'], ['no', 'no']], bad: ['off', 'YES', ''] },
  trustProxy: {
    good: [['127.0.0.1', ['127.0.0.1']], ['10.0.0.0/8, ::1', ['10.0.0.0/8', '::1']], ['fd00::/8', ['fd00::/8']]],
    bad: ['proxy.local', '10.0.0.0/33', '10.0.0.0/8/1', '::/129', ''],
  },
  allowedOrigins: {
    good: [['http://localhost:3000', ['http://localhost:3000']], ['https://A.example/, http://[::1]:80', ['https://a.example', 'http://[::1]']]],
    bad: ['*', 'localhost:3000', 'http://h/path', 'ftp://h', 'http://h?x', 'null', ''],
  },
  allowedHosts: {
    good: [['*', ['*']], ['mq.example.com, [::1],10.0.0.1', ['mq.example.com', '::1', '10.0.0.1']]],
    bad: ['mq.example.com:8888', 'a b', '*,h', '-h', ''],
  },
  corsOrigins: { good: [['*', ['*']], ['http://a.example:81,https://b.example', ['http://a.example:81', 'https://b.example']]], bad: ['*,http://a', 'a.example', ''] },
  jsonp: { good: [['on', 'on'], ['off', 'off']], bad: ['true', 'OFF', ''] },
  // Empty values and one without the other: test/unit/tls-config.test.ts.
  tlsCert: { good: [['/etc/restmq/cert.pem', '/etc/restmq/cert.pem']], bad: [], needs: { 'tls-key': '/etc/restmq/key.pem' } },
  tlsKey: { good: [['/etc/restmq/key.pem', '/etc/restmq/key.pem']], bad: [], needs: { 'tls-cert': '/etc/restmq/cert.pem' } },
  maxAnswerBytes: { good: [['1024', 1024], [String(1024 * MiB), 1024 * MiB]], bad: ['1023', String(1024 * MiB + 1), '4M', ''] },
  maxConnections: { good: [['1', 1], ['1000000', 1_000_000]], bad: ['0', '1000001', 'x', ''] },
  maxConnectionsPerAddress: { good: [['1', 1], ['1000000', 1_000_000]], bad: ['0', '1000001', 'x', ''] },
  headersTimeoutMs: { good: [['100', 100], ['3600000', 3_600_000]], bad: ['99', '3600001', 'x', ''], needs: { 'request-timeout-ms': '3600000' } },
  requestTimeoutMs: { good: [['100', 100], ['3600000', 3_600_000]], bad: ['99', '3600001', 'x', ''], needs: { 'headers-timeout-ms': '100' } },
  keepAliveTimeoutMs: { good: [['100', 100], ['3600000', 3_600_000]], bad: ['99', '3600001', 'x', ''] },
  maxRequestsPerSocket: { good: [['0', 0], ['100000000', 100_000_000]], bad: ['-1', '100000001', 'x', ''] },
  sendStallTimeoutMs: { good: [['100', 100], ['3600000', 3_600_000]], bad: ['99', '3600001', 'x', ''] },
  collectdDataQueue: { good: [['metrics', 'metrics'], ['q'.repeat(128), 'q'.repeat(128)]], bad: ['a b', 'q'.repeat(129), ''] },
  collectdEventQueue: { good: [['collectd:events', 'collectd:events']], bad: ['a/b', ''] },
  syslogPort: { good: [['0', 0], ['25000', 25_000], ['65535', 65_535]], bad: ['65536', '-1', 'x', ''] },
  syslogMaxLineBytes: { good: [['480', 480], ['65536', 65_536]], bad: ['479', '65537', 'x', ''] },
  syslogMaxConnections: { good: [['1', 1], ['10000', 10_000]], bad: ['0', '10001', ''] },
  metricsQueueLabels: { good: [['0', 0], ['10000', 10_000]], bad: ['-1', '10001', ''] },
  syslogIdleSeconds: { good: [['1', 1], ['86400', 86_400]], bad: ['0', '86401', ''] },
  dashboardIntervalMs: { good: [['100', 100], ['60000', 60_000]], bad: ['99', '60001', 'x', ''] },
  sqsAccountId: { good: [['123456789012', '123456789012']], bad: ['12345678901', '1234567890123', 'abcdefghijkl', ''] },
  sqsRegion: { good: [['eu-west-1', 'eu-west-1'], ['a'.repeat(32), 'a'.repeat(32)]], bad: ['EU', 'a'.repeat(33), ''] },
  sqsBaseUrl: { good: [['https://mq.example.com/', 'https://mq.example.com'], ['http://h:8080/p', 'http://h:8080/p']], bad: ['ftp://h', 'http://h/?a=1', 'http://u:p@h', 'nope', ''] },
  // More than one worker needs a store several processes share: the SQLite refusal is tested below.
  workers: {
    good: [['1', 1], ['64', 64], ['auto', Math.min(64, availableParallelism())]],
    bad: ['0', '65', '1.5', 'x', 'AUTO', ''],
    needs: { redis: 'redis://127.0.0.1:6379/0' },
  },
};

describe('loadConfig', () => {
  it('with no sources gives the documented defaults', () => {
    const config = loadConfig({ flags: {}, env: {} });
    assert.deepEqual(config, DEFAULT_CONFIG);
    assert.deepEqual(config, {
      port: 8888,
      listen: '127.0.0.1',
      dataDir: './data',
      sync: 'full',
      maxMessageBytes: MiB,
      logLevel: 'info',
      logFormat: 'auto',
      shutdownTimeoutMs: 10_000,
      streamBufferBytes: MiB,
      streamBatchSize: 100,
      streamHistoryMessages: 1000,
      streamHistorySeconds: 300,
      sseHeartbeatSeconds: 15,
      sseRetryMs: 3000,
      wsPingSeconds: 30,
      redisUrl: null,
      redisHost: null,
      redisPort: null,
      redisDb: null,
      redisPool: 1,
      redisCluster: null,
      redisSentinel: null,
      redisSentinelName: 'mymaster',
      redisPrefix: 'restmq:',
      redisTimeoutMs: 3000,
      acl: null,
      protectedMode: 'yes',
      trustProxy: null,
      allowedOrigins: null,
      allowedHosts: null,
      corsOrigins: null,
      jsonp: 'on',
      tlsCert: null,
      tlsKey: null,
      maxAnswerBytes: 4 * MiB,
      maxConnections: 16_384,
      maxConnectionsPerAddress: 4096,
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 72_000,
      maxRequestsPerSocket: 10_000,
      sendStallTimeoutMs: 30_000,
      collectdDataQueue: 'collectd_data',
      collectdEventQueue: 'collectd_event',
      syslogPort: null,
      syslogMaxLineBytes: 8192,
      syslogMaxConnections: 64,
      syslogIdleSeconds: 300,
      metricsQueueLabels: 100,
      dashboardIntervalMs: 2000,
      sqsAccountId: '000000000000',
      sqsRegion: 'us-east-1',
      sqsBaseUrl: null,
      workers: 1,
    });
  });

  it('refuses more than one worker on SQLite, saying why and pointing to Redis', () => {
    for (const flags of [{ workers: '2' }, { workers: '64', 'data-dir': '/var/lib/restmq' }] as Record<string, string>[]) {
      assert.throws(
        () => loadConfig({ flags, env: {} }),
        (err: unknown) => err instanceof ConfigError && /^--workers \d+ needs a store several processes can share/.test(err.message) && err.message.includes('sqlite') && err.message.includes('--redis'),
      );
    }
    assert.throws(() => loadConfig({ flags: {}, env: { RESTMQ_WORKERS: '2' } }), errorNaming('--workers 2 needs a store'));
    assert.equal(loadConfig({ flags: { workers: '1' }, env: {} }).workers, 1);
    assert.equal(loadConfig({ flags: { workers: '2', 'redis-cluster': 'h:7000' }, env: {} }).workers, 2);
  });

  it('refuses a headers timeout longer than the request timeout, naming both', () => {
    assert.throws(
      () => loadConfig({ flags: { 'headers-timeout-ms': '5001', 'request-timeout-ms': '5000' }, env: {} }),
      (err: unknown) => err instanceof ConfigError && err.message.includes('--headers-timeout-ms') && err.message.includes('--request-timeout-ms'),
    );
    assert.equal(loadConfig({ flags: { 'headers-timeout-ms': '5000', 'request-timeout-ms': '5000' }, env: {} }).headersTimeoutMs, 5000);
  });

  it('every setting has a limits table here', () => {
    assert.deepEqual(SETTINGS.map((s) => s.key).sort(), Object.keys(LIMITS).sort());
  });

  for (const s of SETTINGS) {
    const limits = LIMITS[s.key];
    const needs = limits.needs ?? {};
    describe(`${s.key} (--${s.flag}, ${s.env})`, () => {
      for (const [raw, value] of limits.good) {
        it(`accepts ${JSON.stringify(raw)} from a flag, the environment and a file`, () => {
          assert.deepEqual(loadConfig({ flags: { ...needs, [s.flag]: raw }, env: {} })[s.key], value);
          assert.deepEqual(loadConfig({ flags: needs, env: { [s.env]: raw } })[s.key], value);
          assert.deepEqual(loadConfig({ flags: needs, env: {}, file: file({ [s.flag]: raw }) })[s.key], value);
        });
      }
      for (const raw of limits.bad) {
        it(`rejects ${JSON.stringify(raw)} naming the setting`, () => {
          assert.throws(() => loadConfig({ flags: { ...needs, [s.flag]: raw }, env: {} }), errorNaming(`--${s.flag}`));
          assert.throws(() => loadConfig({ flags: needs, env: {}, file: file({ [s.flag]: raw }) }), errorNaming(`"${s.flag}" in`));
          if (raw === '') {
            // An empty environment variable counts as unset, as shells make them easily.
            assert.deepEqual(loadConfig({ flags: needs, env: { [s.env]: raw } })[s.key], s.defaultValue);
          } else {
            assert.throws(() => loadConfig({ flags: needs, env: { [s.env]: raw } }), errorNaming(s.env));
          }
        });
      }
    });
  }

  it('takes JSON numbers for whole-number settings in a file, but not fractions, booleans or null', () => {
    assert.equal(loadConfig({ flags: {}, env: {}, file: file({ port: 8080 }) }).port, 8080);
    assert.equal(loadConfig({ flags: {}, env: {}, file: file({ 'max-message-bytes': 10 }) }).maxMessageBytes, 10);
    for (const bad of [80.5, true, null, [80], { n: 80 }]) {
      assert.throws(() => loadConfig({ flags: {}, env: {}, file: file({ port: bad }) }), errorNaming('"port" in'));
    }
    assert.throws(() => loadConfig({ flags: {}, env: {}, file: file({ listen: 127 }) }), errorNaming('"listen" in'));
  });

  it('applies defaults < file < environment < flags, setting by setting', () => {
    const path = file({ port: 1001, 'data-dir': '/from/file', sync: 'normal' });
    const config = loadConfig({
      file: path,
      env: { RESTMQ_PORT: '1002', RESTMQ_DATA_DIR: '/from/env' },
      flags: { port: '1003' },
    });
    assert.equal(config.port, 1003, 'flag beats env and file');
    assert.equal(config.dataDir, '/from/env', 'env beats file');
    assert.equal(config.sync, 'normal', 'file beats default');
    assert.equal(config.listen, '127.0.0.1', 'default when no source sets it');
  });

  it('a bad lower-precedence value still fails even when a higher source overrides it', () => {
    // Every source is validated, so a typo in a file is found before the day the flag goes away.
    assert.throws(() => loadConfig({ file: file({ port: 'x' }), env: {}, flags: { port: '1' } }), errorNaming('"port" in'));
    assert.throws(() => loadConfig({ env: { RESTMQ_PORT: 'x' }, flags: { port: '1' } }), errorNaming('RESTMQ_PORT'));
  });

  it('rejects unknown flags and unknown file keys, and ignores unrelated environment variables', () => {
    assert.throws(() => loadConfig({ flags: { prot: '1' }, env: {} }), errorNaming('unknown flag --prot'));
    assert.throws(() => loadConfig({ flags: {}, env: {}, file: file({ dataDir: '/x' }) }), errorNaming('unknown setting "dataDir"'));
    assert.deepEqual(loadConfig({ flags: {}, env: { RESTMQ_NOPE: '1', PORT: '1' } }), DEFAULT_CONFIG);
  });

  it('rejects a file that is unreadable, not JSON, or not an object', () => {
    assert.throws(() => loadConfig({ flags: {}, env: {}, file: join(folder, 'missing.json') }), errorNaming('cannot be read'));
    assert.throws(() => loadConfig({ flags: {}, env: {}, file: file('{"port":') }), errorNaming('is not valid JSON'));
    for (const notObject of ['[]', '"port"', '8888', 'null']) {
      assert.throws(() => loadConfig({ flags: {}, env: {}, file: file(notObject) }), errorNaming('must hold a JSON object'));
    }
    assert.deepEqual(loadConfig({ flags: {}, env: {}, file: file({}) }), DEFAULT_CONFIG);
  });
});

function errorNaming(text: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.ok(err.message.includes(text), `"${err.message}" names ${text}`);
    return true;
  };
}
