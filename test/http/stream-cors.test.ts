// With --cors-origins, the streaming answers (COMET, SSE) carry the CORS headers too, so a
// page of an allowed origin can read them with EventSource or fetch.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

const PAGE = 'http://127.0.0.1:5000';

describe('CORS on streaming answers', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ sync: 'normal', corsOrigins: [PAGE] });
  });

  after(async () => {
    await server?.stop();
  });

  /** Opens a stream, reads its headers, and closes it. */
  async function headers(path: string, origin: string | null): Promise<Headers> {
    const stop = new AbortController();
    const res = await fetch(`${server.url}${path}`, { headers: origin === null ? {} : { origin }, signal: stop.signal });
    assert.equal(res.status, 200);
    stop.abort();
    return res.headers;
  }

  for (const route of ['/c/', '/sse/']) {
    it(`${route}<queue> answers an allowed origin with its CORS grant`, async () => {
      const got = await headers(`${route}${queueName()}`, PAGE);
      assert.equal(got.get('access-control-allow-origin'), PAGE);
      assert.equal(got.get('access-control-allow-credentials'), 'true');
      assert.equal(got.get('vary'), 'Origin');
      assert.equal(got.get('x-content-type-options'), 'nosniff');
    });

    it(`${route}<queue> grants nothing to a request without Origin`, async () => {
      const got = await headers(`${route}${queueName()}`, null);
      assert.equal(got.get('access-control-allow-origin'), null);
      assert.ok((got.get('content-type') ?? '').length > 0);
    });
  }
});
