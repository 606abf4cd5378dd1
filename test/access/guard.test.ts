/**
 * The guard against what an attacker tries: other spellings of a path, HEAD and OPTIONS,
 * a WebSocket upgrade without credentials, password guessing; plus the audit trail,
 * protected mode, trusted proxies, reload when the file changes, and refusing to start on
 * a missing or broken file.
 */
import assert from 'node:assert/strict';
import { request as rawRequest } from 'node:http';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { AclLoadError } from '../../src/access/access-control.js';
import { FAILURE_LIMIT } from '../../src/access/failures.js';
import { hashToken } from '../../src/access/secrets.js';
import { request } from '../support/http.js';

import { startTestServer } from '../support/server.js';
import { basic, bearer, capturingLogger, startAclServer, wsOpen, writeAcl } from './helpers.js';
import type { AclServer } from './helpers.js';
import { waitFor } from '../support/wait.js';

const JOBS_TOKEN = 'tok-jobs-only';
const ACL = `[token:jobs]
sha256 = ${hashToken(JOBS_TOKEN)}
queues = jobs.*
allow = produce consume
`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Sends a request with the path exactly as written (fetch would normalise `//` and `..`). */
function rawStatus(base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = rawRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the access guard', () => {
  let acl: AclServer;
  let base: string;
  let lines: Record<string, unknown>[];

  before(async () => {
    const captured = capturingLogger();
    lines = captured.lines;
    acl = await startAclServer('sqlite', ACL, { sync: 'normal', trustProxy: ['127.0.0.1'] }, captured.logger);
    base = acl.server.url;
    await request(`${base}/q/secret`, { method: 'POST', headers: FORM, body: 'value=s' }); // refused: no credentials
  });
  after(() => acl.stop());

  it('other spellings of a path reach the same check or no route at all', async () => {
    const t = bearer(JOBS_TOKEN);
    const tries: [string, string][] = [
      ['GET', '/q/secret'],
      ['GET', '//q/secret'],
      ['GET', '/q//secret'],
      ['GET', '/q/secret/'],
      ['GET', '/q/%73ecret'],
      ['GET', '/q/jobs.x%2F..%2Fsecret'],
      ['GET', '/Q/secret'],
      ['GET', '/q/./secret'],
      ['GET', '/q/jobs.x/../secret'],
      ['HEAD', '/q/secret'],
      ['OPTIONS', '/q/secret'],
      ['DELETE', '/q/secret/'],
      ['GET', '/stats/secret?x=/q/jobs.a'],
      ['GET', '/c/secret'],
    ];
    for (const [method, path] of tries) {
      const status = await rawStatus(base, method, path, t);
      assert.ok([400, 403, 404].includes(status), `${method} ${path} answered ${status}`);
    }
    // The only message of the queue it may not see is still there.
    const peek = await request(`${base}/q/secret?peek=5`, { headers: basic('x', 'y') });
    assert.equal(peek.status, 401);
  });

  it('a WebSocket upgrade without credentials is refused before it opens', async () => {
    const url = `${base.replace('http', 'ws')}/ws/jobs.ws`;
    assert.equal((await wsOpen(url)).status, 401);
    assert.equal((await wsOpen(url, { cookie: 'auth=a:b' })).status, 401); // no shared password here: the cookie proves nothing
    assert.equal((await wsOpen(`${url}?access_token=${JOBS_TOKEN}`)).status, 101);
    assert.equal((await wsOpen(`${base.replace('http', 'ws')}/ws/other?access_token=${JOBS_TOKEN}`)).status, 403);
  });

  it('access_token works for streams and is never written to the log', async () => {
    const answer = await request(`${base}/q/jobs.at?access_token=${JOBS_TOKEN}`);
    assert.equal(answer.status, 204);
    await request(`${base}/q/jobs.at?access_token=not-${JOBS_TOKEN}`);
    assert.ok(!JSON.stringify(lines).includes(JOBS_TOKEN), 'a token reached the log');
  });

  it(`slows down guessing: after ${FAILURE_LIMIT} failures an address gets 429 with Retry-After, even with the right token`, async () => {
    const from = { 'x-forwarded-for': '10.66.0.1' };
    for (let i = 0; i < FAILURE_LIMIT; i++) {
      assert.equal((await request(`${base}/q/jobs.g`, { headers: { ...from, ...bearer(`guess-${i}`) } })).status, 401);
    }
    const limited = await request(`${base}/q/jobs.g`, { headers: { ...from, ...bearer(JOBS_TOKEN) } });
    assert.equal(limited.status, 429);
    assert.equal((JSON.parse(limited.text) as { error: { code: string } }).error.code, 'too_many_auth_failures');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    // Another address is not affected.
    assert.equal((await request(`${base}/q/jobs.g`, { headers: { 'x-forwarded-for': '10.66.0.2', ...bearer(JOBS_TOKEN) } })).status, 204);
  });

  it('a page of another origin cannot spend the failure allowance of its visitor (no lock-out)', async () => {
    const from = { 'x-forwarded-for': '10.66.1.1' };
    for (let i = 0; i <= FAILURE_LIMIT; i++) {
      const answer = await request(`${base}/q/jobs.lock?access_token=guess-${i}`, { headers: { ...from, 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' } });
      assert.equal(answer.status, 403);
      assert.equal((JSON.parse(answer.text) as { error: { code: string } }).error.code, 'cross_site_refused');
    }
    assert.equal((await request(`${base}/q/jobs.lock`, { headers: { ...from, ...bearer(JOBS_TOKEN) } })).status, 204);
  });

  it('writes one audit line per refusal and per admin action, with principal, address, route and queue', async () => {
    const before = lines.length;
    await request(`${base}/q/jobs.audit`, { method: 'DELETE', headers: { 'x-forwarded-for': '10.77.0.1', ...bearer(JOBS_TOKEN) } });
    const refusals = lines.slice(before).filter((l) => l.audit === 'refused');
    assert.equal(refusals.length, 1, JSON.stringify(lines.slice(before)));
    assert.deepEqual(
      { ...refusals[0], time: undefined, pid: undefined, hostname: undefined, reqId: undefined, service: undefined },
      {
        level: 30,
        audit: 'refused',
        principal: 'jobs',
        address: '10.77.0.1',
        method: 'DELETE',
        route: '/q/:queue',
        queue: 'jobs.audit',
        code: 'forbidden',
        reason: 'jobs lacks admin on queue jobs.audit',
        msg: 'access refused',
        time: undefined,
        pid: undefined,
        hostname: undefined,
        reqId: undefined,
        service: undefined,
      },
    );
  });
});

describe('admin actions are audited', () => {
  it('logs the principal and the queue of a purge', async () => {
    const { logger, lines } = capturingLogger();
    const acl = await startAclServer('sqlite', `[token:ops]\nsha256 = ${hashToken('ops-token')}\nqueues = *\nallow = admin\n`, { sync: 'normal' }, logger);
    try {
      const answer = await request(`${acl.server.url}/q/audited`, { method: 'DELETE', headers: bearer('ops-token') });
      assert.equal(answer.status, 200);
      await waitFor('the audit line', () => lines.some((l) => l.audit === 'admin'));
      const line = lines.find((l) => l.audit === 'admin') as Record<string, unknown>;
      assert.equal(line.principal, 'ops');
      assert.equal(line.queue, 'audited');
      assert.equal(line.route, '/q/:queue');
      assert.equal(line.status, 200);
    } finally {
      await acl.stop();
    }
  });
});

describe('protected mode and trusted proxies', () => {
  it('with no ACL serves loopback, refuses a non-loopback client with 403 naming --acl and --protected-mode, and keeps probes open', async () => {
    const server = await startTestServer({ sync: 'normal', trustProxy: ['127.0.0.1'] });
    try {
      assert.equal((await request(`${server.url}/q/pm`)).status, 204);
      const refused = await request(`${server.url}/q/pm`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      assert.equal(refused.status, 403);
      const { error } = JSON.parse(refused.text) as { error: { code: string; message: string } };
      assert.equal(error.code, 'protected_mode');
      assert.match(error.message, /--acl/);
      assert.match(error.message, /--protected-mode no/);
      assert.equal((await request(`${server.url}/healthz`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 200);
    } finally {
      await server.stop();
    }
  });

  it('--protected-mode no serves everyone; without --trust-proxy X-Forwarded-For is ignored', async () => {
    const open = await startTestServer({ sync: 'normal', trustProxy: ['127.0.0.1'], protectedMode: 'no' });
    const untrusting = await startTestServer({ sync: 'normal' });
    try {
      assert.equal((await request(`${open.url}/q/pm`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 204);
      assert.equal((await request(`${untrusting.url}/q/pm`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 204);
    } finally {
      await open.stop();
      await untrusting.stop();
    }
  });

  it('host rules see the forwarded client only behind a trusted proxy', async () => {
    const aclText = '[rest:consumer]\nhosts_deny = 203.0.113.\n';
    const trusting = await startAclServer('sqlite', aclText, { sync: 'normal', trustProxy: ['127.0.0.0/8'] });
    const untrusting = await startAclServer('sqlite', aclText, { sync: 'normal' });
    try {
      const spoofed = { 'x-forwarded-for': '203.0.113.9' };
      assert.equal((await request(`${trusting.server.url}/q/h`, { headers: spoofed })).status, 403);
      assert.equal((await request(`${untrusting.server.url}/q/h`, { headers: spoofed })).status, 204);
    } finally {
      await trusting.stop();
      await untrusting.stop();
    }
  });
});

describe('reloading acl.conf', () => {
  it('applies a changed file within 5 s without dropping connections, and keeps the last good rules when it breaks', async () => {
    const { logger, lines } = capturingLogger();
    const acl = await startAclServer('sqlite', `[token:a]\nsha256 = ${hashToken('token-a')}\nqueues = *\nallow = consume\n`, { sync: 'normal' }, logger);
    const url = `${acl.server.url}/q/reload`;
    try {
      const { socket } = await wsOpen(`${acl.server.url.replace('http', 'ws')}/ws/reload`, bearer('token-a'));
      assert.ok(socket !== null);
      assert.equal((await request(url, { headers: bearer('token-b') })).status, 401);
      writeFileSync(acl.aclFile, `[token:b]\nsha256 = ${hashToken('token-b')}\nqueues = *\nallow = consume\n`);
      // Wait on the log, not by retrying token-b: failed tries count against the address.
      await waitFor('the reload', () => lines.some((l) => l.msg === 'acl reloaded'), 5000);
      assert.equal((await request(url, { headers: bearer('token-b') })).status, 204);
      assert.equal((await request(url, { headers: bearer('token-a') })).status, 401);
      assert.equal(socket.readyState, socket.OPEN, 'an open connection was dropped by the reload');
      socket.close();

      writeFileSync(acl.aclFile, '[token:c]\nsha256 = nothex\n');
      await waitFor('the warning', () => lines.some((l) => l.msg === 'acl not reloaded; the last good rules stay in force'), 5000);
      const warning = lines.find((l) => l.msg === 'acl not reloaded; the last good rules stay in force') as Record<string, unknown>;
      assert.match(String(warning.reason), /line 2/);
      assert.equal((await request(url, { headers: bearer('token-b') })).status, 204);
    } finally {
      await acl.stop();
    }
  });

  it('refuses to start on a missing or broken file, naming the line', async () => {
    await assert.rejects(startTestServer({ acl: '/nonexistent/acl.conf' }), (err: unknown) => err instanceof AclLoadError && /cannot be read/.test(err.message));
    const broken = writeAcl('[rest:producer]\nhosts_allow = 10.0.0.0/99\n');
    await assert.rejects(startTestServer({ acl: broken }), (err: unknown) => err instanceof AclLoadError && /line 2/.test(err.message));
  });
});
