// HTTPS on the daemon's one port: publish and pop with Node's client and with curl, COMET,
// SSE and WSS streams over TLS, reload() swapping the certificate for new connections while
// open streams keep running, and a broken pair refused at start or kept out on reload.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { get } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { DEFAULT_CONFIG } from '../../src/config.js';
import type { Config } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import type { RunningServer } from '../../src/server.js';
import { queueName, tempDir } from '../support/server.js';
import { HttpsStream, WssClient, httpsRequest, makeCertificates, publishOverHttps, useCertificate } from '../support/tls.js';
import type { TestCertificates } from '../support/tls.js';

const certs: TestCertificates = makeCertificates();
const dataDir = tempDir('restmq-tls-data-');
const logLines: string[] = [];
let server: RunningServer;

function config(overrides: Partial<Config> = {}): Config {
  return { ...DEFAULT_CONFIG, port: 0, listen: '127.0.0.1', dataDir, tlsCert: certs.live.cert, tlsKey: certs.live.key, ...overrides };
}

before(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  server = await startServer(config(), { logger });
});

after(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(certs.dir, { recursive: true, force: true });
});

/** Runs curl without blocking this process, which serves the requests curl makes. */
function curl(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ status: code, stdout, stderr });
    });
  });
}

describe('HTTPS with --tls-cert and --tls-key', { timeout: 60_000 }, () => {
  it('serves https:// on its port; Node\'s client trusting the CA publishes and pops', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const queue = queueName('tls');
    await publishOverHttps(server.url, certs.ca, queue, 'over https');
    const popped = await httpsRequest(`${server.url}/q/${queue}`, certs.ca);
    assert.equal(popped.status, 200);
    assert.equal((JSON.parse(popped.body) as { value: string }).value, 'over https');
    assert.equal(popped.serial, certs.one.serial);
    assert.match(logLines.join(''), /"scheme":"https".*"msg":"restmq serving"/);
  });

  it('a client that does not trust the CA is refused by its own check', async () => {
    await assert.rejects(httpsRequest(`${server.url}/healthz`, Buffer.from('')), /self-signed|unable to (get|verify)|certificate/i);
  });

  it('plain HTTP on the TLS port gets no HTTP answer', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = get(`${server.url.replace('https:', 'http:')}/healthz`, { agent: false }, (res) => resolve(`status ${res.statusCode ?? 0}`));
      req.once('error', (err) => resolve(`error ${err.message}`));
    });
    assert.match(outcome, /^error /);
  });

  it('curl --cacert publishes, pops and reads /healthz; curl without the CA fails verification', async () => {
    const queue = queueName('curl');
    const posted = await curl('--cacert', certs.caPath, '-d', 'value=from curl', `${server.url}/q/${queue}`);
    assert.equal(posted.status, 0, posted.stderr);
    assert.equal(posted.stdout, `${queue}:1\r\n`);
    const popped = await curl('--cacert', certs.caPath, '-H', 'accept: application/json', `${server.url}/q/${queue}`);
    assert.equal(popped.status, 0, popped.stderr);
    assert.equal((JSON.parse(popped.stdout) as { value: string }).value, 'from curl');
    const byName = await curl('--cacert', certs.caPath, server.url.replace('127.0.0.1', 'localhost') + '/healthz');
    assert.equal(byName.status, 0, byName.stderr);
    assert.deepEqual(JSON.parse(byName.stdout), { status: 'ok' });
    const untrusted = await curl(`${server.url}/healthz`);
    assert.equal(untrusted.status, 60, 'curl exit 60: the peer certificate cannot be authenticated');
  });

  it('COMET and SSE stream over https', async () => {
    const queue = queueName('stream');
    const comet = await HttpsStream.open(`${server.url}/c/${queue}`, certs.ca);
    const sse = await HttpsStream.open(`${server.url}/sse/${queue}`, certs.ca, { accept: 'text/event-stream' });
    try {
      assert.equal(comet.status, 200);
      assert.equal(sse.status, 200);
      assert.match(sse.contentType, /^text\/event-stream/);
      await publishOverHttps(server.url, certs.ca, queue, 'streamed');
      const line = JSON.stringify({ key: `${queue}:1`, value: 'streamed' });
      await comet.until(() => comet.text.includes(`${line}\r\n`), 'the COMET line');
      await sse.until(() => sse.text.includes(`id: ${queue}:1\ndata: ${line}\n\n`), 'the SSE event');
    } finally {
      comet.close();
      sse.close();
    }
  });

  it('a page of the server\'s own https:// origin is same-origin; the http:// origin of the same host is another one', async () => {
    const queue = queueName('origin');
    const post = (origin: string) =>
      httpsRequest(`${server.url}/q/${queue}`, certs.ca, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'value=x',
      });
    assert.equal((await post(server.url)).status, 200);
    const other = await post(server.url.replace('https:', 'http:'));
    assert.equal(other.status, 403);
    assert.equal((JSON.parse(other.body) as { error: { code: string } }).error.code, 'cross_site_refused');
  });

  it('WebSocket over TLS (wss://) delivers a message', async () => {
    const queue = queueName('wss');
    const ws = await WssClient.open(`${server.url.replace('https:', 'wss:')}/ws/${queue}`, certs.ca);
    try {
      assert.equal(ws.serial, certs.one.serial);
      await publishOverHttps(server.url, certs.ca, queue, 'over wss');
      await ws.until(() => ws.frames.some((f) => f.includes('"value":"over wss"')), 'the message over wss');
    } finally {
      ws.close();
    }
  });
});

describe('reload() swaps the certificate for new connections only', { timeout: 60_000 }, () => {
  it('new connections get the new certificate; an open WSS and COMET stream keep receiving', async () => {
    const queue = queueName('reload');
    useCertificate(certs, certs.one);
    await server.reload();
    const ws = await WssClient.open(`${server.url.replace('https:', 'wss:')}/ws/${queue}`, certs.ca);
    const comet = await HttpsStream.open(`${server.url}/c/${queue}`, certs.ca);
    try {
      assert.equal(ws.serial, certs.one.serial);
      assert.equal(comet.serial, certs.one.serial);
      useCertificate(certs, certs.two);
      await server.reload();
      const fresh = await httpsRequest(`${server.url}/healthz`, certs.ca);
      assert.equal(fresh.serial, certs.two.serial);
      assert.equal(fresh.cn, 'two');
      await publishOverHttps(server.url, certs.ca, queue, 'after reload');
      await ws.until(() => ws.frames.some((f) => f.includes('"value":"after reload"')), 'the message on the old WSS connection');
      await comet.until(() => comet.text.includes('"value":"after reload"'), 'the message on the old COMET connection');
      assert.equal(ws.ended, false);
      assert.equal(comet.ended, false);
      assert.match(logLines.join(''), /"subject":"CN=two".*"msg":"tls certificate reloaded"/);
    } finally {
      ws.close();
      comet.close();
    }
  });

  const broken: Array<{ name: string; breakIt: () => void; reason: RegExp }> = [
    { name: 'a certificate file that is not PEM', breakIt: () => writeFileSync(certs.live.cert, 'not a certificate\n'), reason: /holds no PEM certificate/ },
    { name: 'a key file that is not PEM', breakIt: () => writeFileSync(certs.live.key, 'garbage\n'), reason: /is not an unencrypted PEM private key/ },
    { name: 'a new certificate with the old key (half-way through a renewal)', breakIt: () => useCertificate(certs, { ...certs.two, key: certs.one.key }), reason: /does not belong to the certificate/ },
    { name: 'a missing key file', breakIt: () => rmSync(certs.live.key), reason: /cannot be read: ENOENT/ },
  ];
  for (const b of broken) {
    it(`${b.name} is refused: the old certificate stays and the reason is logged at warn`, async () => {
      useCertificate(certs, certs.two);
      await server.reload();
      assert.equal((await httpsRequest(`${server.url}/healthz`, certs.ca)).serial, certs.two.serial);
      b.breakIt();
      const before = logLines.length;
      await server.reload();
      const warned = logLines.slice(before).find((l) => l.includes('"level":40'));
      assert.ok(warned, 'a warn line');
      assert.match(warned, b.reason);
      assert.match(warned, /reload of tls failed, keeping the previous one/);
      const after = await httpsRequest(`${server.url}/healthz`, certs.ca);
      assert.equal(after.status, 200);
      assert.equal(after.serial, certs.two.serial, 'still the certificate from before the broken reload');
    });
  }
});

describe('start-up with an unusable pair fails before serving', () => {
  it('a certificate that is not PEM, a key of another certificate, a missing file', async () => {
    const pair = { tlsCert: certs.one.cert, tlsKey: certs.one.key };
    await assert.rejects(startServer(config({ ...pair, tlsCert: certs.one.key }), { logger: pino({ level: 'silent' }) }), /--tls-cert .* holds no PEM certificate/);
    await assert.rejects(startServer(config({ tlsCert: certs.one.cert, tlsKey: certs.two.key }), { logger: pino({ level: 'silent' }) }), /--tls-key .*two\.key does not belong to the certificate in --tls-cert .*one\.pem/);
    await assert.rejects(startServer(config({ ...pair, tlsKey: `${certs.dir}/absent.key` }), { logger: pino({ level: 'silent' }) }), /--tls-key .*absent\.key cannot be read/);
  });
});

describe('an expired certificate', () => {
  it('is served, with a warning in the log; clients refuse it themselves', async () => {
    const made = spawnSync('openssl', ['x509', '-req', '-in', 'one.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'expired.pem', '-days', '-1', '-extfile', 'ext.cnf'], { cwd: certs.dir, encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const lines: string[] = [];
    const expired = await startServer(config({ tlsCert: join(certs.dir, 'expired.pem'), tlsKey: certs.one.key, dataDir: join(certs.dir, 'data') }), {
      logger: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }),
    });
    try {
      const warned = lines.find((l) => l.includes('the tls certificate has expired'));
      assert.ok(warned, 'a warn line at start');
      assert.match(warned, /"level":40/);
      await assert.rejects(httpsRequest(`${expired.url}/healthz`, certs.ca), /certificate has expired/);
    } finally {
      await expired.close();
    }
  });
});
