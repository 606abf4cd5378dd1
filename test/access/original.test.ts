/**
 * The original acl.conf as its users wrote it: one shared username/password per section,
 * host prefixes and CIDR blocks with the original's rule order (addresses come through a
 * trusted proxy header, the way a deployment behind nginx sees them), and the WebSocket
 * `auth` cookie. Runs on both stores.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../support/http.js';
import { STORES, basic, startAclServer, streamStatus, wsAsk, wsOpen } from './helpers.js';
import type { AclServer } from './helpers.js';

// The original's shipped file with its example lines turned on (and one CIDR block added).
const ORIGINAL_ACL = `# RestMQ ACL
[rest:producer]
hosts_allow = 127.0.0.1 192.168.0.7
hosts_deny = all
username = lero
password = lero

[rest:consumer]
hosts_allow = 127.0.0.1 10.0.0.0/8
hosts_deny = 192.168.0.
username = zz
password = bla

[comet:consumer]
hosts_allow = 127.0.0.1
hosts_deny = all

[websocket:consumer]
hosts_allow = all
hosts_deny = 192.168.0.
username = lerr
password = lerr
`;

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const from = (address: string): Record<string, string> => ({ 'x-forwarded-for': address });

for (const store of STORES) {
  describe(`the original acl.conf on ${store}`, () => {
    let acl: AclServer;
    let base: string;

    before(async () => {
      acl = await startAclServer(store, ORIGINAL_ACL, { sync: 'normal', trustProxy: ['127.0.0.1'] });
      base = acl.server.url;
    });
    after(() => acl.stop());

    it('producers: allowed hosts need the password; every other host is refused (hosts_deny = all)', async () => {
      const post = (headers: Record<string, string>) => request(`${base}/q/orig`, { method: 'POST', headers: { ...FORM, ...headers }, body: 'value=hello' });
      assert.equal((await post(from('127.0.0.1'))).status, 401);
      assert.equal((await post({ ...from('127.0.0.1'), ...basic('lero', 'wrong') })).status, 401);
      const ok = await post({ ...from('192.168.0.7'), ...basic('lero', 'lero') });
      assert.equal(ok.status, 200);
      assert.match(ok.text, /^orig:\d+\r\n$/);
      assert.equal((await post({ ...from('192.168.0.8'), ...basic('lero', 'lero') })).status, 403);
      // The consumer's password does not open the producer's routes.
      assert.equal((await post({ ...from('127.0.0.1'), ...basic('zz', 'bla') })).status, 401);
      // /queue, purge, policy and control are producer routes in the original.
      const queueCmd = await request(`${base}/queue`, { method: 'POST', headers: { ...FORM, ...from('127.0.0.1') }, body: `body=${encodeURIComponent('{"cmd":"take","queue":"orig"}')}` });
      assert.equal(queueCmd.status, 401);
      const purge = await request(`${base}/q/orig-purge`, { method: 'DELETE', headers: { ...from('127.0.0.1'), ...basic('lero', 'lero') } });
      assert.equal(purge.status, 200);
    });

    it('consumers: prefixes and CIDR blocks allow, the deny prefix refuses, the password is still asked', async () => {
      await request(`${base}/q/orig-c`, { method: 'POST', headers: { ...FORM, ...basic('lero', 'lero') }, body: 'value=one' });
      const pop = (address: string, headers: Record<string, string> = basic('zz', 'bla')) => request(`${base}/q/orig-c`, { headers: { ...from(address), ...headers } });
      assert.equal((await pop('10.20.30.40', {})).status, 401);
      const popped = await pop('10.20.30.40');
      assert.equal(popped.status, 200);
      assert.equal((JSON.parse(popped.text) as { value: string }).value, 'one');
      assert.equal((await pop('192.168.0.3')).status, 403);
      // Neither allowed nor denied: allowed, since hosts_deny is set (the original's order).
      assert.equal((await pop('172.16.0.1')).status, 204);
      assert.equal((await request(`${base}/stats/`, { headers: { ...from('192.168.0.3'), ...basic('zz', 'bla') } })).status, 403);
    });

    it('COMET follows [comet:consumer]: no password, only its hosts', async () => {
      assert.equal(await streamStatus(`${base}/c/orig-comet`, from('127.0.0.1')), 200);
      assert.equal(await streamStatus(`${base}/c/orig-comet`, from('10.0.0.1')), 403);
      assert.equal(await streamStatus(`${base}/sse/orig-comet`, from('10.0.0.1')), 403);
    });

    it('WebSocket clients authenticate with the cookie auth=user:password', async () => {
      const url = `${base.replace('http', 'ws')}/ws/orig-ws`;
      assert.equal((await wsOpen(url, from('127.0.0.1'))).status, 401);
      assert.equal((await wsOpen(url, { ...from('127.0.0.1'), cookie: 'auth=lerr:wrong' })).status, 401);
      assert.equal((await wsOpen(url, { ...from('192.168.0.9'), cookie: 'auth=lerr:lerr' })).status, 403);
      const { status, socket } = await wsOpen(url, { ...from('127.0.0.1'), cookie: 'theme=dark; auth=lerr:lerr' });
      assert.equal(status, 101);
      assert.ok(socket !== null);
      try {
        const added = await wsAsk(socket, { cmd: 'add', queue: 'orig-ws-other', value: 'x' });
        assert.equal(added.key, 'orig-ws-other:1');
      } finally {
        socket.close();
      }
      // The cookie only counts on WebSocket routes, as in the original.
      assert.equal((await request(`${base}/q/orig`, { headers: { ...from('127.0.0.1'), cookie: 'auth=zz:bla' } })).status, 401);
    });
  });
}
