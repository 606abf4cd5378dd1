// The real daemon over HTTPS and SIGHUP: a renewed certificate reaches new connections while
// a COMET and a WSS stream opened before keep receiving; a broken pair on reload is logged and
// the old one kept; an unusable pair at start exits 2; SIGHUP without TLS does not stop it.
import assert from 'node:assert/strict';
import { rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken, newToken } from '../../src/access/secrets.js';
import { after, describe, it } from 'node:test';
import { queueName } from '../support/server.js';
import { HttpsStream, WssClient, httpsRequest, makeCertificates, publishOverHttps, startLoggingDaemon, useCertificate } from '../support/tls.js';
import type { LoggingDaemon } from '../support/tls.js';
import { cleanEnv, runCli } from './daemon.js';

const certs = makeCertificates();
const daemons: LoggingDaemon[] = [];
after(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  rmSync(certs.dir, { recursive: true, force: true });
});

describe('restmq serve --tls-cert --tls-key, reloaded by SIGHUP', { timeout: 90_000 }, () => {
  it('swaps the certificate for new connections without dropping open streams; a broken pair keeps the old one', async () => {
    useCertificate(certs, certs.one);
    const daemon = await startLoggingDaemon(['--tls-cert', certs.live.cert, '--tls-key', certs.live.key]);
    daemons.push(daemon);
    assert.match(daemon.url, /^https:/);
    const queue = queueName('hup');
    const comet = await HttpsStream.open(`${daemon.url}/c/${queue}`, certs.ca);
    const ws = await WssClient.open(`${daemon.url.replace('https:', 'wss:')}/ws/${queue}`, certs.ca);
    const bothGot = async (value: string): Promise<void> => {
      await comet.until(() => comet.text.includes(`"value":"${value}"`), `${value} on the COMET stream opened before`);
      await ws.until(() => ws.frames.some((f) => f.includes(`"value":"${value}"`)), `${value} on the WSS stream opened before`);
    };
    try {
      assert.equal(comet.serial, certs.one.serial);
      assert.equal(ws.serial, certs.one.serial);
      await publishOverHttps(daemon.url, certs.ca, queue, 'm1');
      await bothGot('m1');

      useCertificate(certs, certs.two);
      daemon.child.kill('SIGHUP');
      await daemon.untilLog(/"subject":"CN=two".*"msg":"tls certificate reloaded"/);
      const renewed = await httpsRequest(`${daemon.url}/healthz`, certs.ca);
      assert.equal(renewed.status, 200);
      assert.equal(renewed.serial, certs.two.serial, 'a new connection sees the new certificate');
      await publishOverHttps(daemon.url, certs.ca, queue, 'm2');
      await bothGot('m2');

      writeFileSync(certs.live.cert, '-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n');
      daemon.child.kill('SIGHUP');
      const warned = await daemon.untilLog(/reload of tls failed, keeping the previous one/);
      assert.match(warned, /"level":40/);
      assert.match(warned, /is not a valid PEM certificate/);
      const kept = await httpsRequest(`${daemon.url}/healthz`, certs.ca);
      assert.equal(kept.serial, certs.two.serial, 'the broken pair was not taken');
      await publishOverHttps(daemon.url, certs.ca, queue, 'm3');
      await bothGot('m3');
      assert.equal(comet.ended, false);
      assert.equal(ws.ended, false);
    } finally {
      comet.close();
      ws.close();
    }
    assert.equal(await daemon.stop(), 0);
  });

  it('SIGHUP re-reads the acl file too: a token swapped in place works over HTTPS at once', async () => {
    useCertificate(certs, certs.one);
    const acl = join(certs.dir, 'acl.conf');
    const [oldToken, newer] = [newToken(), newToken()];
    const aclFor = (token: string): string => `[token:ci]\nsha256 = ${hashToken(token)}\nqueues = jobs.*\nallow = produce\n`;
    // A whole-second mtime that can be put back exactly, so the file watcher (size, mtime,
    // inode) cannot see the edit below: only SIGHUP can make the daemon read it.
    const stamp = Math.floor(Date.now() / 1000) - 60;
    writeFileSync(acl, aclFor(oldToken));
    utimesSync(acl, stamp, stamp);
    const daemon = await startLoggingDaemon(['--tls-cert', certs.live.cert, '--tls-key', certs.live.key, '--acl', acl]);
    daemons.push(daemon);
    const publish = (token: string) =>
      httpsRequest(`${daemon.url}/q/jobs.a`, certs.ca, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'value=x' });
    assert.equal((await publish(oldToken)).status, 200);
    assert.equal((await publish(newer)).status, 401);

    const before = statSync(acl);
    writeFileSync(acl, aclFor(newer)); // same size, same inode
    utimesSync(acl, stamp, stamp);
    const after = statSync(acl);
    assert.deepEqual([after.size, after.mtimeMs, after.ino], [before.size, before.mtimeMs, before.ino], 'the watcher sees no change');
    daemon.child.kill('SIGHUP');
    await daemon.untilLog(/"msg":"acl reloaded"/);
    assert.equal((await publish(newer)).status, 200);
    assert.equal((await publish(oldToken)).status, 401);
    assert.equal(await daemon.stop(), 0);
  });

  it('SIGHUP without TLS reloads nothing and keeps serving', async () => {
    const daemon = await startLoggingDaemon([]);
    daemons.push(daemon);
    assert.match(daemon.url, /^http:/);
    daemon.child.kill('SIGHUP');
    await daemon.untilLog(/"signal":"SIGHUP".*"msg":"reloading"/);
    assert.equal((await fetch(`${daemon.url}/healthz`)).status, 200);
    assert.equal(await daemon.stop(), 0);
  });
});

describe('restmq serve with an unusable TLS pair exits 2 before serving', () => {
  const cases: Array<{ name: string; args: () => string[]; says: RegExp }> = [
    { name: 'a key in place of the certificate', args: () => ['--tls-cert', certs.one.key, '--tls-key', certs.one.key], says: /--tls-cert .*one\.key holds no PEM certificate/ },
    { name: 'the key of another certificate', args: () => ['--tls-cert', certs.one.cert, '--tls-key', certs.two.key], says: /--tls-key .*two\.key does not belong to the certificate in --tls-cert .*one\.pem/ },
    { name: 'a missing certificate file', args: () => ['--tls-cert', `${certs.dir}/absent.pem`, '--tls-key', certs.one.key], says: /--tls-cert .*absent\.pem cannot be read: ENOENT/ },
    { name: 'only --tls-cert', args: () => ['--tls-cert', certs.one.cert], says: /--tls-cert and --tls-key must be given together \(got only --tls-cert\)/ },
    { name: 'only RESTMQ_TLS_KEY', args: () => [], says: /must be given together \(got only --tls-key\)/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const env = c.name === 'only RESTMQ_TLS_KEY' ? cleanEnv({ RESTMQ_TLS_KEY: certs.one.key }) : cleanEnv();
      const { status, stderr } = runCli(['serve', '--port', '0', '--data-dir', certs.dir, ...c.args()], env);
      assert.equal(status, 2, stderr);
      assert.match(stderr, c.says);
    });
  }
});
