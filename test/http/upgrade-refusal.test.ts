// WebSocket upgrade requests refused while routing (a broken %-escape, an over-long name)
// answer the catalog error and have their socket ended by the server; before, the socket
// stayed open after the answer and held shutdown as long as the client kept it (found by
// the parser fuzzer). A plain GET of /ws/<queue> answers the catalog's 404, not an empty one.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { assertError, request } from '../support/http.js';
import { useTestServer } from '../support/server.js';

const server = useTestServer();

/** Sends a WebSocket upgrade for `path` on a raw socket; resolves with what came back once the server closed it. */
function upgrade(path: string): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
    });
    // The test keeps its half open, as a lingering client would: only the server may close.
    socket.allowHalfOpen = true;
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.once('end', () => {
      socket.destroy();
      resolve(text);
    });
    socket.once('error', reject);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the socket of ${path} open: ${JSON.stringify(text)}`));
    }, 5000);
    socket.once('close', () => clearTimeout(timer));
  });
}

describe('refused WebSocket upgrades', () => {
  for (const [what, path, code] of [
    ['a malformed %-escape', '/ws/%ZZ', 'bad_request'],
    ['a name past the router limit', `/ws/${'a'.repeat(2000)}`, 'invalid_queue_name'],
    ['an invalid name', '/ws/a%20b', 'invalid_queue_name'],
    ['a query that is not UTF-8', '/ws/q?since=%FF', 'invalid_utf8'],
  ] as const) {
    it(`${what}: the catalog error, then the server ends the socket`, async () => {
      const answer = await upgrade(path);
      assert.match(answer, /^HTTP\/1\.1 400 /);
      assert.ok(answer.includes(`"code":"${code}"`), answer);
    });
  }

  it('a plain GET of /ws/<queue> answers 404 not_found in the catalog shape', async () => {
    assertError(await request(`${server.url}/ws/q`), 'not_found');
  });
});
