// Browser safety over real sockets, with the headers browsers send: the Host allow-list
// (DNS rebinding), cross-site refusal of every route that reads or changes queues, JSONP
// only for allowed pages (and off with --jsonp off), the WebSocket origin check, opt-in
// CORS, and nosniff/CSP headers. test/http/browser-chromium.test.ts does the same attacks
// from a real browser.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ERROR_CATALOG } from '../../src/core/errors.js';
import type { ErrorCode } from '../../src/core/errors.js';
import { browserPolicy, hostAllowed } from '../../src/http/guards/browser-policy.js';
import { assertJsonp, counters, form, json, request } from '../support/http.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

const ALLOWED = 'http://allowed.example:8080';
const EVIL = 'http://evil.example';

interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** One request with exactly these headers (node:http lets a test set Host, unlike fetch). */
function call(server: TestServer, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Asserts a refusal with `code` in either error shape (the JSON protocol's flat one too), never as script. */
function assertRefused(answer: RawAnswer, code: ErrorCode, what: string): void {
  assert.equal(answer.status, ERROR_CATALOG[code].status, `${what}: ${answer.text}`);
  assert.match(String(answer.headers['content-type']), /^application\/json/, what);
  assert.ok(answer.text.includes(`"${code}"`), `${what}: ${answer.text}`);
}

async function publish(server: TestServer, queue: string, value: string): Promise<void> {
  assert.equal((await form(`${server.url}/q/${queue}`, { value })).status, 200);
}

/** The browser headers of a request sent by a page of `origin` that is not the server's. */
const FOREIGN: Record<string, Record<string, string>> = {
  'Sec-Fetch-Site: cross-site (no Origin, no Referer)': { 'sec-fetch-site': 'cross-site' },
  'Sec-Fetch-Site: same-site': { 'sec-fetch-site': 'same-site' },
  'an Origin outside the list': { origin: EVIL },
  'Origin: null (sandboxed frame, file:)': { origin: 'null' },
  'a Referer outside the list': { referer: `${EVIL}/page.html` },
  'Sec-Fetch-Site: same-origin with a foreign Origin': { 'sec-fetch-site': 'same-origin', origin: EVIL },
};

describe('Host allow-list (DNS rebinding)', () => {
  let server: TestServer;
  let named: TestServer;
  let any: TestServer;
  before(async () => {
    [server, named, any] = await Promise.all([
      startTestServer(),
      startTestServer({ allowedHosts: ['mq.example.com'] }),
      startTestServer({ allowedHosts: ['*'] }),
    ]);
  });
  after(() => Promise.all([server.stop(), named.stop(), any.stop()]));

  it('on loopback serves IP addresses and localhost, with or without a port', async () => {
    for (const host of ['127.0.0.1', `127.0.0.1:${server.port}`, `localhost:${server.port}`, 'LOCALHOST.', `[::1]:${server.port}`, '10.1.2.3:80']) {
      assert.equal((await call(server, 'GET', '/healthz', { host })).status, 200, host);
    }
  });

  it('answers 421 host_not_allowed to any other name, before the route runs', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1.nip.io', 'localhost.evil.example', 'a b']) {
      assertRefused(await call(server, 'GET', '/healthz', { host }), 'host_not_allowed', host);
    }
    const queue = queueName('rebind');
    const answer = await call(server, 'POST', `/q/${queue}`, { host: `evil.example:${server.port}`, 'content-type': 'application/x-www-form-urlencoded' }, 'value=x');
    assertRefused(answer, 'host_not_allowed', 'publish through a rebound name');
    assert.deepEqual(await counters(server.url, queue), { len: 0, published: 0 });
  });

  it('--allowed-hosts adds names (case and a trailing dot do not matter); others stay refused', async () => {
    for (const host of ['mq.example.com', `MQ.Example.COM.:${named.port}`, 'localhost', '127.0.0.1']) {
      assert.equal((await call(named, 'GET', '/healthz', { host })).status, 200, host);
    }
    for (const host of ['sub.mq.example.com', 'example.com', 'mq.example.com.evil.example']) {
      assertRefused(await call(named, 'GET', '/healthz', { host }), 'host_not_allowed', host);
    }
  });

  it('--allowed-hosts * serves any Host', async () => {
    assert.equal((await call(any, 'GET', '/healthz', { host: 'evil.example' })).status, 200);
  });

  it('defaults: the listen name; beyond loopback with an ACL any Host, without one the machine name', () => {
    const base = { acl: null, allowedHosts: null, allowedOrigins: null, corsOrigins: null, jsonp: 'on' as const };
    const loopback = browserPolicy({ ...base, listen: '127.0.0.1' });
    assert.equal(hostAllowed(loopback, hostname()), hostname() === 'localhost');
    assert.equal(hostAllowed(loopback, 'evil.example'), false);
    assert.equal(hostAllowed(browserPolicy({ ...base, listen: 'mq.lan' }), 'mq.lan:8888'), true);
    const lan = browserPolicy({ ...base, listen: '0.0.0.0' });
    assert.equal(hostAllowed(lan, `${hostname()}:8888`), true);
    assert.equal(hostAllowed(lan, '192.168.1.20:8888'), true);
    assert.equal(hostAllowed(lan, 'evil.example'), false);
    assert.equal(hostAllowed(browserPolicy({ ...base, listen: '0.0.0.0', acl: '/etc/restmq/acl.conf' }), 'evil.example'), true);
    assert.equal(hostAllowed(browserPolicy({ ...base, listen: '127.0.0.1', acl: '/etc/restmq/acl.conf' }), 'evil.example'), false);
  });
});

describe('cross-site requests', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ allowedOrigins: [ALLOWED] });
  });
  after(() => server.stop());

  /** Every kind of route that reads, pops, leases, publishes or administers, as a browser could send it. */
  function attacks(queue: string): Array<[string, string, Record<string, string>, string?]> {
    const formType = { 'content-type': 'application/x-www-form-urlencoded' };
    return [
      ['GET', `/q/${queue}`, {}],
      ['GET', `/?queue=${queue}`, {}],
      ['GET', `/q/${queue}?lease=30`, {}],
      ['POST', `/q/${queue}`, formType, 'value=injected'],
      ['POST', '/', formType, `queue=${queue}&value=injected`],
      ['DELETE', `/q/${queue}`, {}],
      ['POST', `/control/${queue}`, formType, 'status=stop'],
      ['POST', `/p/${queue}`, formType, 'policy=roundrobin'],
      ['POST', '/queue', { 'content-type': 'text/plain' }, JSON.stringify({ cmd: 'del', queue, key: `${queue}:1` })],
      ['POST', '/queue', formType, `body=${encodeURIComponent(JSON.stringify({ cmd: 'take', queue }))}`],
      ['GET', `/c/${queue}`, {}],
      ['GET', `/sse/${queue}`, {}],
      ['GET', `/stats/${queue}`, {}],
      ['GET', `/j/${queue}`, { accept: 'text/html' }],
      ['GET', '/q/', {}],
      ['GET', `/q/${queue}/${queue}:1`, {}],
    ];
  }

  /** The queue's state as a header-less client sees it. */
  async function state(queue: string): Promise<unknown> {
    const control = json(await request(`${server.url}/control/${queue}`));
    const policy = json(await request(`${server.url}/p/${queue}`));
    return { counters: await counters(server.url, queue), control, policy };
  }

  for (const [label, headers] of Object.entries(FOREIGN)) {
    it(`refuses every non-public route with 403 cross_site_refused (${label}); nothing changes`, async () => {
      const queue = queueName('xs');
      await publish(server, queue, 'secret');
      const before = await state(queue);
      for (const [method, path, extra, body] of attacks(queue)) {
        assertRefused(await call(server, method, path, { ...extra, ...headers }, body), 'cross_site_refused', `${method} ${path}`);
      }
      assert.deepEqual(await state(queue), before);
    });
  }

  it('serves requests without browser headers (curl, SDKs, the original clients posting body=)', async () => {
    const queue = queueName('plain');
    await publish(server, queue, 'one');
    const take = await call(server, 'POST', '/queue', { 'content-type': 'application/x-www-form-urlencoded' }, `body=${encodeURIComponent(JSON.stringify({ cmd: 'take', queue }))}`);
    assert.equal(take.status, 200, take.text);
    assert.equal((JSON.parse(take.text) as { value: string }).value, 'one');
  });

  it('serves the same origin, a typed address (Sec-Fetch-Site: none) and the allowed origins', async () => {
    const queue = queueName('ok');
    const own = server.url;
    const allowedPages: Array<Record<string, string>> = [
      { 'sec-fetch-site': 'none' },
      { 'sec-fetch-site': 'same-origin', origin: own, referer: `${own}/q/` },
      { origin: `http://localhost:${server.port}`, host: `localhost:${server.port}` },
      { 'sec-fetch-site': 'cross-site', origin: ALLOWED },
      { 'sec-fetch-site': 'cross-site', referer: `${ALLOWED}/app/index.html` },
    ];
    for (const headers of allowedPages) {
      await publish(server, queue, 'm');
      const answer = await call(server, 'GET', `/q/${queue}`, headers);
      assert.equal(answer.status, 200, `${JSON.stringify(headers)}: ${answer.text}`);
    }
    assert.deepEqual(await counters(server.url, queue), { len: 0, published: allowedPages.length });
  });

  it('serves public routes to any page (probes, the protocol help), without JSONP', async () => {
    for (const path of ['/healthz', '/readyz', '/queue']) {
      assert.equal((await call(server, 'GET', path, { 'sec-fetch-site': 'cross-site', referer: `${EVIL}/` })).status, 200, path);
    }
    assertRefused(await call(server, 'GET', '/healthz?callback=cb', { referer: `${EVIL}/` }), 'cross_site_refused', 'public JSONP');
  });
});

describe('JSONP', () => {
  let server: TestServer;
  let off: TestServer;
  before(async () => {
    [server, off] = await Promise.all([startTestServer({ allowedOrigins: [ALLOWED] }), startTestServer({ jsonp: 'off' })]);
  });
  after(() => Promise.all([server.stop(), off.stop()]));

  it('a <script src> of another page (no Origin, cross-site) gets JSON, not script, and pops nothing', async () => {
    const queue = queueName('steal');
    await publish(server, queue, 'secret');
    const pages: Array<Record<string, string>> = [{ 'sec-fetch-site': 'cross-site', 'sec-fetch-dest': 'script' }, { referer: `${EVIL}/` }];
    for (const headers of pages) {
      const answer = await call(server, 'GET', `/q/${queue}?callback=steal`, headers);
      assertRefused(answer, 'cross_site_refused', 'JSONP pop');
      assert.ok(!answer.text.includes('secret'));
    }
    assert.deepEqual(await counters(server.url, queue), { len: 1, published: 1 });
  });

  it('is served to a page of an allowed origin (its Referer vouches) and to clients without browser headers', async () => {
    const queue = queueName('jsonp');
    await publish(server, queue, 'a');
    await publish(server, queue, 'b');
    const fromPage = await request(`${server.url}/q/${queue}?callback=cb`, { headers: { 'sec-fetch-site': 'cross-site', referer: `${ALLOWED}/` } });
    assertJsonp(fromPage, 'cb', { key: `${queue}:1`, value: 'a', count: 0 });
    assertJsonp(await request(`${server.url}/q/${queue}?callback=cb`), 'cb', { key: `${queue}:2`, value: 'b', count: 0 });
  });

  it('--jsonp off refuses callback= in the query or a form (403 jsonp_disabled, plain JSON) before anything runs', async () => {
    const queue = queueName('off');
    await publish(off, queue, 'kept');
    assertRefused(await call(off, 'GET', `/q/${queue}?callback=cb`), 'jsonp_disabled', 'query callback');
    assertRefused(await call(off, 'GET', '/healthz?callback=cb'), 'jsonp_disabled', 'public route');
    const posted = await call(off, 'POST', `/q/${queue}`, { 'content-type': 'application/x-www-form-urlencoded' }, 'value=v&callback=cb');
    assertRefused(posted, 'jsonp_disabled', 'form callback');
    assert.deepEqual(await counters(off.url, queue), { len: 1, published: 1 });
    assert.equal((await call(off, 'GET', `/q/${queue}`)).status, 200);
  });
});

describe('WebSocket upgrades', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ allowedOrigins: [ALLOWED] });
  });
  after(() => server.stop());

  /** The upgrade's outcome: 101 (then closed) or the HTTP answer instead. */
  function upgrade(queue: string, origin: string | undefined): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws/${queue}`, origin === undefined ? {} : { origin });
      ws.on('open', () => {
        ws.close();
        resolve({ status: 101, text: '' });
      });
      ws.on('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      ws.on('error', reject);
    });
  }

  it('refuses an upgrade from another origin with 403 cross_site_refused; the queue keeps its message', async () => {
    const queue = queueName('ws');
    await publish(server, queue, 'secret');
    for (const origin of [EVIL, 'null', `http://127.0.0.1:${server.port + 1}`]) {
      const answer = await upgrade(queue, origin);
      assert.equal(answer.status, 403, origin);
      assert.match(answer.text, /cross_site_refused/);
    }
    assert.deepEqual(await counters(server.url, queue), { len: 1, published: 1 });
  });

  it('opens for the same origin, an allowed origin and clients that send no Origin', async () => {
    const queue = queueName('ws-ok');
    for (const origin of [server.url, ALLOWED, undefined]) assert.equal((await upgrade(queue, origin)).status, 101, String(origin));
  });
});

describe('CORS (opt-in)', () => {
  let listed: TestServer;
  let star: TestServer;
  let none: TestServer;
  const APP = 'http://app.example:3000';
  before(async () => {
    [listed, star, none] = await Promise.all([
      startTestServer({ corsOrigins: [APP] }),
      startTestServer({ corsOrigins: ['*'] }),
      startTestServer(),
    ]);
  });
  after(() => Promise.all([listed.stop(), star.stop(), none.stop()]));

  const preflightHeaders = (origin: string): Record<string, string> => ({
    origin,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'content-type, authorization',
    'sec-fetch-site': 'cross-site',
  });

  it('answers a preflight of a listed origin with its grants, credentials allowed', async () => {
    const answer = await call(listed, 'OPTIONS', '/q/anything', { ...preflightHeaders(APP), 'access-control-request-private-network': 'true' });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers['access-control-allow-origin'], APP);
    assert.equal(answer.headers['access-control-allow-credentials'], 'true');
    assert.equal(answer.headers['access-control-allow-methods'], 'GET, HEAD, POST, DELETE');
    assert.equal(answer.headers['access-control-allow-headers'], 'content-type, authorization');
    assert.equal(answer.headers['access-control-allow-private-network'], 'true');
    assert.equal(answer.headers['access-control-max-age'], '600');
    assert.match(String(answer.headers.vary), /Origin/);
  });

  it('refuses a preflight of an unlisted origin (403, no grants)', async () => {
    const answer = await call(listed, 'OPTIONS', '/q/anything', preflightHeaders(EVIL));
    assertRefused(answer, 'cross_site_refused', 'preflight');
    assert.equal(answer.headers['access-control-allow-origin'], undefined);
  });

  it('lets a listed origin read and publish; its answers carry the grant', async () => {
    const queue = queueName('cors');
    const posted = await call(listed, 'POST', `/q/${queue}`, { origin: APP, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, '"v"');
    assert.equal(posted.status, 200, posted.text);
    const read = await call(listed, 'GET', `/q/${queue}`, { origin: APP, 'sec-fetch-site': 'cross-site' });
    assert.equal(read.status, 200);
    assert.equal(read.headers['access-control-allow-origin'], APP);
    assert.equal(read.headers['access-control-expose-headers'], 'Retry-After');
  });

  it('* grants any origin without credentials, and refuses credentialed cross-site requests', async () => {
    const pre = await call(star, 'OPTIONS', '/q/x', preflightHeaders(EVIL));
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], '*');
    assert.equal(pre.headers['access-control-allow-credentials'], undefined);
    const queue = queueName('star');
    await publish(star, queue, 'v');
    const read = await call(star, 'GET', `/stats/${queue}`, { origin: EVIL, 'sec-fetch-site': 'cross-site' });
    assert.equal(read.status, 200);
    assert.equal(read.headers['access-control-allow-origin'], '*');
    assert.equal(read.headers['access-control-allow-credentials'], undefined);
    const credentials: Array<Record<string, string>> = [{ authorization: 'Basic dTpw' }, { cookie: 'a=b' }];
    for (const creds of credentials) {
      assertRefused(await call(star, 'GET', `/q/${queue}`, { origin: EVIL, ...creds }), 'cross_site_refused', JSON.stringify(creds));
    }
    assert.deepEqual(await counters(star.url, queue), { len: 1, published: 1 });
  });

  it('is off by default: no grants and no preflight route', async () => {
    assert.equal((await call(none, 'GET', '/healthz', { origin: APP })).headers['access-control-allow-origin'], undefined);
    assertRefused(await call(none, 'OPTIONS', '/q/x', preflightHeaders(APP)), 'not_found', 'preflight without CORS');
  });
});

describe('response headers', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('every answer carries X-Content-Type-Options: nosniff', async () => {
    const queue = queueName('hdr');
    const answers: Array<[string, RawAnswer]> = [
      ['key text', await call(server, 'POST', `/q/${queue}`, { 'content-type': 'application/x-www-form-urlencoded' }, 'value=v')],
      ['JSON', await call(server, 'GET', `/q/${queue}`)],
      ['JSONP', await call(server, 'GET', '/healthz?callback=cb')],
      ['HTML', await call(server, 'GET', '/queue')],
      ['404', await call(server, 'GET', '/no/such/route')],
      ['bad %-escape (routing error)', await call(server, 'GET', '/q/%zz')],
      ['421', await call(server, 'GET', '/healthz', { host: 'evil.example' })],
      ['403', await call(server, 'GET', '/q/', { origin: EVIL })],
      ['415', await call(server, 'POST', `/q/${queue}`, { 'content-type': 'image/png' }, 'x')],
    ];
    for (const [what, answer] of answers) assert.equal(answer.headers['x-content-type-options'], 'nosniff', what);
  });

  it('HTML pages carry a CSP that allows only their own style (by hash) and forbids framing', async () => {
    const queue = queueName('page');
    await publish(server, queue, 'v');
    for (const path of ['/', '/q/', `/j/${queue}`, '/queue']) {
      const answer = await call(server, 'GET', path, { accept: 'text/html' });
      assert.match(String(answer.headers['content-type']), /^text\/html/, path);
      const csp = String(answer.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.equal(answer.headers['x-frame-options'], 'DENY', path);
      assert.doesNotMatch(answer.text, /<script|\sstyle=|\son[a-z]+=/i, `${path} has no inline script or style attribute`);
      const styles = [...answer.text.matchAll(/<style>([^<]*)<\/style>/g)].map((m) => m[1] ?? '');
      assert.equal(styles.length, 1, path);
      assert.ok(csp.includes(`'sha256-${createHash('sha256').update(styles[0] ?? '').digest('base64')}'`), `${path}: the CSP allows its style`);
    }
    assert.equal((await call(server, 'GET', '/healthz')).headers['content-security-policy'], undefined);
  });
});
