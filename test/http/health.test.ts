// Probes and unknown routes: `/healthz`, `/readyz`, and the 404 catalog error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, json, request } from '../support/http.js';
import { useTestServer } from '../support/server.js';

const server = useTestServer();

describe('probes and unknown routes', () => {
  it('/healthz answers ok', async () => {
    const answer = await request(`${server.url}/healthz`);
    assert.equal(answer.status, 200);
    assert.deepEqual(json(answer), { status: 'ok' });
  });

  it('/readyz answers ready with the store kind', async () => {
    const answer = await request(`${server.url}/readyz`);
    assert.equal(answer.status, 200);
    assert.deepEqual(json(answer), { status: 'ready', store: 'sqlite' });
  });

  it('an unknown route answers the 404 catalog error', async () => {
    assertError(await request(`${server.url}/nope`), 'not_found');
    assertError(await request(`${server.url}/q/a/b/c/d`), 'not_found');
    assertError(await request(`${server.url}/stats/x`, { method: 'DELETE' }), 'not_found');
  });
});
