// rediss:// with a password: a daemon from the built CLI connects over TLS (trusting a
// test CA through NODE_EXTRA_CA_CERTS) and authenticates; a wrong password is not ready.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDaemon } from '../support/daemon.js';
import { freePort, startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { postForm, queueName, tempDir } from '../support/server.js';

function openssl(dir: string, ...args: string[]): void {
  const out = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
}

describe('Redis over TLS with a password', { timeout: 60_000 }, () => {
  let redis: RedisProcess;
  let tlsPort: number;
  const certs = tempDir('restmq-tls-');

  before(async () => {
    openssl(certs, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=restmq-test-ca');
    openssl(certs, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(certs, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    openssl(certs, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'ext.cnf');
    tlsPort = await freePort();
    redis = await startRedis({
      args: ['--tls-port', String(tlsPort), '--tls-cert-file', join(certs, 'server.pem'), '--tls-key-file', join(certs, 'server.key'),
        '--tls-ca-cert-file', join(certs, 'ca.pem'), '--tls-auth-clients', 'no', '--requirepass', 's3cret:pw'],
    });
  });
  after(async () => {
    await redis?.stop();
    rmSync(certs, { recursive: true, force: true });
  });

  it('publishes and pops over rediss:// with the URL password', async () => {
    const daemon = await startDaemon(['--redis', `rediss://:s3cret%3Apw@127.0.0.1:${tlsPort}/1`], { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(certs, 'ca.pem') } });
    try {
      const q = queueName();
      const posted = await postForm(`${daemon.url}/q/${q}`, { value: 'over tls' });
      assert.equal(posted.status, 200);
      assert.equal(((await (await fetch(`${daemon.url}/q/${q}`)).json()) as { value: string }).value, 'over tls');
      assert.equal((await fetch(`${daemon.url}/readyz`)).status, 200);
    } finally {
      assert.equal(await daemon.stop(), 0);
    }
  });

  it('stays not ready with a wrong password, answering 503', async () => {
    const daemon = await startDaemon(['--redis', `rediss://:wrong@127.0.0.1:${tlsPort}`, '--redis-timeout-ms', '300'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(certs, 'ca.pem') } });
    try {
      assert.equal((await fetch(`${daemon.url}/readyz`)).status, 503);
      const res = await postForm(`${daemon.url}/q/${queueName()}`, { value: 'x' });
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'store_unavailable');
    } finally {
      await daemon.stop();
    }
  });
});
