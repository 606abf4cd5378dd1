// The bench's wrk driver against a real server: a POST body reaches the server byte for byte,
// every status is counted (a 204 too, so a pop phase that ran dry shows), and output without
// the summary line fails the run instead of giving a figure.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureWrk, parseWrkOutput, runWrk } from '../../bench/lib/wrk.js';
import { startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

describe('the bench wrk driver', () => {
  let server: TestServer;
  before(async () => {
    ensureWrk(() => undefined);
    server = await startTestServer({ sync: 'normal' });
  });
  after(() => server.stop());

  it('sends the body byte for byte and counts every status', async () => {
    const body = 'quote " backslash \\ newline \n é€';
    const { result } = await runWrk({
      url: `${server.url}/q/wrk-body`,
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body,
      connections: 2,
      seconds: 1,
    });
    const published = result.statuses['200'] ?? 0;
    assert.ok(published > 0, JSON.stringify(result));
    const stored = await server.broker.peek('wrk-body', 100);
    assert.ok(stored.length > 0);
    assert.ok(stored.every((m) => m.value === body));
    // Every answered publish is stored; requests in flight when wrk stops (one per connection) may add more.
    const length = (await server.broker.stats('wrk-body'))?.length ?? 0;
    assert.ok(length >= published && length <= published + 2, `${published} answered, ${length} stored`);

    const { result: empty } = await runWrk({ url: `${server.url}/q/wrk-empty`, method: 'GET', connections: 2, seconds: 1 });
    assert.ok((empty.statuses['204'] ?? 0) > 0, JSON.stringify(empty));
  });

  it('refuses output without its summary line', () => {
    assert.throws(() => parseWrkOutput('Running 1s test @ http://x\n  1 threads and 1 connections\n'), /no summary line/);
  });
});
