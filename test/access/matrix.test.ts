/**
 * The route matrix: every route and protocol (REST, `/queue`, COMET, SSE, WebSocket
 * upgrade and frames, batches, leases, config, redrive) against anonymous, a wrong
 * password, producer, consumer and admin tokens, a token scoped to another queue pattern
 * and a user holding every right, on both stores, over real sockets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Right } from '../../src/access/rights.js';
import { ERROR_CATALOG } from '../../src/core/errors.js';
import { request } from '../support/http.js';
import { STORES, basic, bearer, startAclServer, tokenSection, userSection, streamStatus, wsAsk, wsOpen } from './helpers.js';
import type { AclServer } from './helpers.js';

const TOKENS = { producer: 'tok-producer-1', consumer: 'tok-consumer-1', admin: 'tok-admin-1', other: 'tok-other-1' };

async function aclText(): Promise<string> {
  return [
    await userSection('alice', 'alice-pw', '*', 'produce, consume, admin'),
    tokenSection('producer', TOKENS.producer, 'jobs.*', 'produce'),
    tokenSection('consumer', TOKENS.consumer, 'jobs.*', 'consume'),
    tokenSection('admin', TOKENS.admin, 'jobs.*', 'admin'),
    tokenSection('other', TOKENS.other, 'other.*', 'produce consume admin'),
  ].join('\n');
}

/** Who asks, with the rights they hold on `jobs.*` (null: cannot authenticate). */
const PRINCIPALS: { name: string; headers: Record<string, string>; rights: readonly Right[] | null }[] = [
  { name: 'anonymous', headers: {}, rights: null },
  { name: 'wrong password', headers: basic('alice', 'nope'), rights: null },
  { name: 'unknown token', headers: bearer('tok-nobody'), rights: null },
  { name: 'producer token', headers: bearer(TOKENS.producer), rights: ['produce'] },
  { name: 'consumer token', headers: bearer(TOKENS.consumer), rights: ['consume'] },
  { name: 'admin token', headers: bearer(TOKENS.admin), rights: ['admin'] },
  { name: 'token for other.*', headers: bearer(TOKENS.other), rights: [] },
  { name: 'user alice', headers: basic('alice', 'alice-pw'), rights: ['produce', 'consume', 'admin'] },
];

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };

/** One operation: the right it needs and how to send it; resolves with the HTTP status. */
interface Operation {
  readonly name: string;
  readonly right: Right;
  send(base: string, queue: string, headers: Record<string, string>): Promise<number>;
}

const status = async (url: string, init: RequestInit): Promise<number> => (await request(url, init)).status;

const OPERATIONS: Operation[] = [
  { name: 'POST /q/<q>', right: 'produce', send: (b, q, h) => status(`${b}/q/${q}`, { method: 'POST', headers: { ...FORM, ...h }, body: 'value=v' }) },
  { name: 'POST / queue=<q>', right: 'produce', send: (b, q, h) => status(`${b}/`, { method: 'POST', headers: { ...FORM, ...h }, body: `queue=${q}&value=v` }) },
  { name: 'POST /q/<q>/batch', right: 'produce', send: (b, q, h) => status(`${b}/q/${q}/batch`, { method: 'POST', headers: { ...JSON_TYPE, ...h }, body: '["a","b"]' }) },
  { name: 'POST /queue add', right: 'produce', send: (b, q, h) => status(`${b}/queue`, { method: 'POST', headers: { ...FORM, ...h }, body: `body=${encodeURIComponent(JSON.stringify({ cmd: 'add', queue: q, value: 'v' }))}` }) },
  { name: 'GET /q/<q>', right: 'consume', send: (b, q, h) => status(`${b}/q/${q}`, { headers: h }) },
  { name: 'GET /?queue=<q>', right: 'consume', send: (b, q, h) => status(`${b}/?queue=${q}`, { headers: h }) },
  { name: 'GET /q/<q>?lease=5&n=2', right: 'consume', send: (b, q, h) => status(`${b}/q/${q}?lease=5&n=2`, { headers: h }) },
  { name: 'GET /q/<q>?peek=3', right: 'consume', send: (b, q, h) => status(`${b}/q/${q}?peek=3`, { headers: h }) },
  { name: 'GET /q/<q>/<key>', right: 'consume', send: (b, q, h) => status(`${b}/q/${q}/${q}:1`, { headers: h }) },
  { name: 'DELETE /q/<q>/<key>?receipt', right: 'consume', send: (b, q, h) => status(`${b}/q/${q}/${q}:1?receipt=abcdefgh`, { method: 'DELETE', headers: h }) },
  { name: 'POST /q/<q>/ack', right: 'consume', send: (b, q, h) => status(`${b}/q/${q}/ack`, { method: 'POST', headers: { ...JSON_TYPE, ...h }, body: JSON.stringify([{ key: `${q}:1`, receipt: 'abcdefgh' }]) }) },
  { name: 'POST /q/<q>/<key>/release', right: 'consume', send: (b, q, h) => status(`${b}/q/${q}/${q}:1/release`, { method: 'POST', headers: { ...FORM, ...h }, body: 'receipt=abcdefgh' }) },
  { name: 'POST /q/<q>/<key>/extend', right: 'consume', send: (b, q, h) => status(`${b}/q/${q}/${q}:1/extend`, { method: 'POST', headers: { ...FORM, ...h }, body: 'receipt=abcdefgh&lease=5' }) },
  { name: 'GET /q/<q>/config', right: 'consume', send: (b, q, h) => status(`${b}/q/${q}/config`, { headers: h }) },
  { name: 'GET /p/<q>', right: 'consume', send: (b, q, h) => status(`${b}/p/${q}`, { headers: h }) },
  { name: 'GET /control/<q>', right: 'consume', send: (b, q, h) => status(`${b}/control/${q}`, { headers: h }) },
  { name: 'GET /stats/<q>', right: 'consume', send: (b, q, h) => status(`${b}/stats/${q}`, { headers: h }) },
  { name: 'GET /j/<q>', right: 'consume', send: (b, q, h) => status(`${b}/j/${q}`, { headers: h }) },
  { name: 'POST /queue take', right: 'consume', send: (b, q, h) => status(`${b}/queue`, { method: 'POST', headers: { ...JSON_TYPE, ...h }, body: JSON.stringify({ cmd: 'take', queue: q }) }) },
  { name: 'POST /queue/<q> get', right: 'consume', send: (b, q, h) => status(`${b}/queue/${q}`, { method: 'POST', headers: { ...JSON_TYPE, ...h }, body: JSON.stringify({ cmd: 'get' }) }) },
  { name: 'COMET /c/<q>', right: 'consume', send: (b, q, h) => streamStatus(`${b}/c/${q}`, h) },
  { name: 'SSE /sse/<q>', right: 'consume', send: (b, q, h) => streamStatus(`${b}/sse/${q}`, { accept: 'text/event-stream', ...h }) },
  { name: 'SSE /c/<q> (Accept)', right: 'consume', send: (b, q, h) => streamStatus(`${b}/c/${q}?lease=5`, { accept: 'text/event-stream', ...h }) },
  {
    name: 'WebSocket /ws/<q>',
    right: 'consume',
    send: async (b, q, h) => {
      const { status: code, socket } = await wsOpen(`${b.replace('http', 'ws')}/ws/${q}`, h);
      socket?.close();
      return code;
    },
  },
  { name: 'DELETE /q/<q> (purge)', right: 'admin', send: (b, q, h) => status(`${b}/q/${q}`, { method: 'DELETE', headers: h }) },
  { name: 'DELETE /q/<q>?drop=1', right: 'admin', send: (b, q, h) => status(`${b}/q/${q}?drop=1`, { method: 'DELETE', headers: h }) },
  { name: 'PUT /q/<q>/config', right: 'admin', send: (b, q, h) => status(`${b}/q/${q}/config`, { method: 'PUT', headers: { ...JSON_TYPE, ...h }, body: '{"max_attempts":3}' }) },
  { name: 'POST /q/<q>/redrive', right: 'admin', send: (b, q, h) => status(`${b}/q/${q}/redrive`, { method: 'POST', headers: h }) },
  { name: 'POST /p/<q>', right: 'admin', send: (b, q, h) => status(`${b}/p/${q}`, { method: 'POST', headers: { ...FORM, ...h }, body: 'policy=roundrobin' }) },
  { name: 'POST /control/<q>', right: 'admin', send: (b, q, h) => status(`${b}/control/${q}`, { method: 'POST', headers: { ...FORM, ...h }, body: 'status=stop' }) },
];

for (const store of STORES) {
  describe(`access matrix on ${store}`, () => {
    let acl: AclServer;
    let base: string;

    before(async () => {
      // Each request comes "from" its own address through a trusted proxy header, so the
      // wrong-credential rows are not slowed down by the per-address failure limit.
      acl = await startAclServer(store, await aclText(), { sync: 'normal', trustProxy: ['127.0.0.1'] });
      base = acl.server.url;
    });
    after(() => acl.stop());

    PRINCIPALS.forEach((principal, p) => {
      it(`${principal.name}: every route answers as its rights say`, async () => {
        const wrong: string[] = [];
        for (const [o, op] of OPERATIONS.entries()) {
          const queue = `jobs.m${p}-${o}`;
          const got = await op.send(base, queue, { ...principal.headers, 'x-forwarded-for': `10.9.${p}.${o}` });
          let expected: 'allowed' | 401 | 403;
          if (principal.rights === null) expected = 401;
          else expected = principal.rights.includes(op.right) ? 'allowed' : 403;
          const ok = expected === 'allowed' ? got !== 401 && got !== 403 && got < 500 : got === expected;
          if (!ok) wrong.push(`${op.name}: got ${got}, expected ${expected}`);
        }
        assert.deepEqual(wrong, []);
      });
    });

    it('listings (/stats/, /q/, /control/) need consume on some queue and show only the queues the principal may see', async () => {
      await request(`${base}/q/jobs.listed`, { method: 'POST', headers: { ...FORM, ...bearer(TOKENS.producer) }, body: 'value=1' });
      await request(`${base}/q/other.listed`, { method: 'POST', headers: { ...FORM, ...bearer(TOKENS.other) }, body: 'value=1' });
      const seen = async (headers: Record<string, string>): Promise<string[]> => {
        const answer = await request(`${base}/stats/`, { headers });
        assert.equal(answer.status, 200, answer.text);
        return Object.keys((JSON.parse(answer.text) as { queues: Record<string, unknown> }).queues).filter((q) => q.endsWith('.listed'));
      };
      assert.deepEqual(await seen(bearer(TOKENS.other)), ['other.listed']);
      assert.deepEqual((await seen(basic('alice', 'alice-pw'))).sort(), ['jobs.listed', 'other.listed']);
      const list = await request(`${base}/q/`, { headers: { accept: 'application/json', ...bearer(TOKENS.consumer) } });
      const queues = (JSON.parse(list.text) as { queues: string[] }).queues;
      assert.ok(queues.includes('jobs.listed') && !queues.includes('other.listed'), list.text);
      const control = await request(`${base}/control/`, { headers: bearer(TOKENS.other) });
      assert.equal(control.status, 200, control.text);
      const statuses = (JSON.parse(control.text) as { queues: Record<string, unknown> }).queues;
      assert.deepEqual(Object.keys(statuses).filter((q) => q.endsWith('.listed')), ['other.listed']);
      assert.equal((await request(`${base}/stats/`, { headers: bearer(TOKENS.producer) })).status, 403);
      assert.equal((await request(`${base}/control/`, { headers: bearer(TOKENS.producer) })).status, 403);
      assert.equal((await request(`${base}/stats/`)).status, 401);
    });

    it('a 401 carries WWW-Authenticate for Basic and Bearer and the catalog body', async () => {
      const answer = await request(`${base}/q/jobs.x`);
      assert.equal(answer.status, 401);
      assert.match(answer.headers.get('www-authenticate') ?? '', /^Basic realm="RestMQ".*Bearer realm="RestMQ"/);
      assert.deepEqual(JSON.parse(answer.text), { error: { code: 'unauthorized', message: ERROR_CATALOG.unauthorized.message } });
      const forbidden = await request(`${base}/q/jobs.x`, { method: 'DELETE', headers: bearer(TOKENS.consumer) });
      assert.equal(forbidden.status, 403);
      assert.equal((JSON.parse(forbidden.text) as { error: { code: string } }).error.code, 'forbidden');
    });

    it('a JSON protocol command or WebSocket frame for a queue outside the grant is refused alone', async () => {
      const refused = await request(`${base}/queue`, {
        method: 'POST',
        headers: { ...JSON_TYPE, ...bearer(TOKENS.producer) },
        body: JSON.stringify({ cmd: 'add', queue: 'other.x', value: 'v' }),
      });
      assert.equal(refused.status, 403);
      assert.equal((JSON.parse(refused.text) as { code: string }).code, 'forbidden');
      const { socket } = await wsOpen(`${base.replace('http', 'ws')}/ws/jobs.wsframes`, bearer(TOKENS.consumer));
      assert.ok(socket !== null);
      try {
        assert.deepEqual(await wsAsk(socket, { cmd: 'add', value: 'mine' }), { error: 'consumer may not produce on queue jobs.wsframes', code: 'forbidden' });
        assert.equal((await wsAsk(socket, { cmd: 'take', queue: 'other.q' })).code, 'forbidden');
        assert.deepEqual(await wsAsk(socket, { cmd: 'take', queue: 'jobs.empty' }), { error: 'empty queue' });
      } finally {
        socket.close();
      }
      // The frame that named another queue changed nothing there.
      const other = await request(`${base}/q/other.x?peek=10`, { headers: bearer(TOKENS.other) });
      assert.equal(other.text.trim(), '[]');
    });
  });
}
