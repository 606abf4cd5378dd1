// Property-based fuzzing of every parser behind a real server, over real sockets: form
// bodies, JSON protocol commands, batch bodies, WebSocket frames, query parameters, queue
// names in paths and content types. Whatever is sent, the answer is below 500 and a 4xx is
// a catalog error with the catalog's status; afterwards the server still serves. The seed is
// fixed and printed (see arbitraries.ts); each property has a bounded number of runs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseWait } from '../../src/operations/parse.js';
import { ERROR_CATALOG } from '../../src/core/errors.js';
import { isCommandFrame } from '../../src/protocol/json-commands.js';
import { parseUrlEncoded } from '../../src/http/text-input.js';
import { WsClient } from '../stream/clients.js';
import { startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { FUZZ_SEED, anyText, batchText, body, commandText, contentType, headerText, pathQueue, runs, urlEncoded } from './arbitraries.js';
import { assertAcceptable, closeAgent, isCatalogCode, send } from './client.js';
import type { FuzzRequest } from './client.js';

const QUEUES = ['fz', 'fz-2', 'fz.x:y@z'];
const validQueue = fc.constantFrom(...QUEUES);

/** Every route, as method and path built from a (possibly hostile) queue path segment. */
const ROUTES: readonly [string, (q: string) => string][] = [
  ['POST', (q) => `/q/${q}`],
  ['GET', (q) => `/q/${q}`],
  ['DELETE', (q) => `/q/${q}`],
  ['POST', () => '/'],
  ['GET', () => '/'],
  ['GET', () => '/q/'],
  ['POST', (q) => `/q/${q}/batch`],
  ['GET', (q) => `/q/${q}/config`],
  ['PUT', (q) => `/q/${q}/config`],
  ['POST', (q) => `/q/${q}/redrive`],
  ['GET', (q) => `/q/${q}/${q}:1`],
  ['DELETE', (q) => `/q/${q}/${q}:1`],
  ['POST', (q) => `/q/${q}/${q}:1/release`],
  ['POST', (q) => `/q/${q}/${q}:1/extend`],
  ['GET', (q) => `/p/${q}`],
  ['POST', (q) => `/p/${q}`],
  ['GET', (q) => `/control/${q}`],
  ['POST', (q) => `/control/${q}`],
  ['GET', () => '/stats/'],
  ['GET', (q) => `/stats/${q}`],
  ['GET', (q) => `/j/${q}`],
  ['POST', () => '/queue'],
  ['POST', (q) => `/queue/${q}`],
  ['GET', () => '/queue'],
  ['GET', (q) => `/c/${q}`],
  ['GET', (q) => `/sse/${q}`],
  ['GET', (q) => `/ws/${q}`],
  ['GET', () => '/healthz'],
  ['GET', () => '/readyz'],
];

const route = fc.constantFrom(...ROUTES);
const RUNS = 200;

/** True when `req` would long-poll (GET /q/<q> with a positive wait), which the fuzzer avoids. */
function longPolls(req: FuzzRequest): boolean {
  if (req.method !== 'GET' || !req.path.startsWith('/q/')) return false;
  const mark = req.path.indexOf('?');
  if (mark === -1) return false;
  const wait = parseUrlEncoded(req.path.slice(mark + 1), true).wait;
  const last = Array.isArray(wait) ? wait[wait.length - 1] : wait;
  try {
    return parseWait(last) > 0;
  } catch {
    return false;
  }
}

describe(`parser fuzzer over HTTP and WebSocket (fast-check seed ${FUZZ_SEED}, ${RUNS} runs per property)`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ sync: 'normal' });
  });
  after(async () => {
    closeAgent();
    await server.stop();
  });

  async function check(req: FuzzRequest): Promise<void> {
    fc.pre(!longPolls(req));
    assertAcceptable(await send(server.url, req), `${req.method} ${req.path}`);
  }

  it('any request to any route: method, path, query, content type, headers and body', async () => {
    const request = fc.record({
      route,
      queue: pathQueue(validQueue),
      query: fc.option(urlEncoded),
      type: contentType,
      accept: fc.option(fc.constantFrom('application/json', 'APPLICATION/JSON', 'text/html', 'text/event-stream', '*/*')),
      idempotency: fc.option(headerText),
      lastEventId: fc.option(headerText),
      body: body(validQueue),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const [method, path] = r.route;
        const hasBody = method !== 'GET' && r.body !== undefined;
        await check({
          method,
          path: path(r.queue) + (r.query === null ? '' : `?${r.query}`),
          headers: {
            'content-type': hasBody ? r.type : undefined,
            accept: r.accept ?? undefined,
            'idempotency-key': r.idempotency ?? undefined,
            'last-event-id': r.lastEventId ?? undefined,
          },
          body: hasBody ? r.body : undefined,
        });
      }),
      runs(RUNS * 2),
    );
  });

  it('queue names in paths: any unicode, encoded slashes, broken escapes, over-long', async () => {
    await fc.assert(
      fc.asyncProperty(route, pathQueue(fc.constantFrom(...QUEUES)), async ([method, path], queue) => {
        const req: FuzzRequest = method === 'GET' ? { method, path: path(queue) } : { method, path: path(queue), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from('value=v') };
        await check(req);
      }),
      runs(RUNS),
    );
  });

  it('query parameters on every route: peek, n, lease, wait, ttl, delay, dedup, callback, since, heartbeat...', async () => {
    await fc.assert(
      fc.asyncProperty(route, validQueue, urlEncoded, async ([method, path], queue, query) => {
        await check({ method, path: `${path(queue)}?${query}` });
      }),
      runs(RUNS),
    );
  });

  it('form bodies, encoded or raw bytes, on every route that reads arguments', async () => {
    const formBody = fc.oneof(urlEncoded.map((t) => Buffer.from(t)), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), anyText.map((t) => Buffer.from(t)));
    const type = fc.constantFrom('application/x-www-form-urlencoded', 'APPLICATION/X-WWW-FORM-URLENCODED', 'application/x-www-form-urlencoded; charset=utf-8');
    const writes = fc.constantFrom(...ROUTES.filter(([method]) => method !== 'GET'));
    await fc.assert(
      fc.asyncProperty(writes, validQueue, formBody, type, async ([method, path], queue, payload, t) => {
        await check({ method, path: path(queue), headers: { 'content-type': t }, body: payload });
      }),
      runs(RUNS),
    );
  });

  it('JSON protocol commands, as a JSON body or the form field body, on /queue and /queue/<queue>', async () => {
    await fc.assert(
      fc.asyncProperty(commandText(validQueue), fc.boolean(), fc.option(validQueue), async (text, asForm, pathQ) => {
        const path = pathQ === null ? '/queue' : `/queue/${pathQ}`;
        const req: FuzzRequest = asForm
          ? { method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(new URLSearchParams({ body: text }).toString()) }
          : { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: Buffer.from(text) };
        await check(req);
      }),
      runs(RUNS * 2),
    );
  });

  it('batch bodies and queue configs', async () => {
    await fc.assert(
      fc.asyncProperty(validQueue, batchText, fc.boolean(), async (queue, text, asConfig) => {
        const req: FuzzRequest = asConfig
          ? { method: 'PUT', path: `/q/${queue}/config`, headers: { 'content-type': 'application/json' }, body: Buffer.from(text) }
          : { method: 'POST', path: `/q/${queue}/batch`, headers: { 'content-type': 'application/json' }, body: Buffer.from(text) };
        await check(req);
      }),
      runs(RUNS),
    );
  });

  it('WebSocket frames: every command frame is answered below 500 and any other text echoed, on a socket that stays open', async () => {
    const ws = await WsClient.open(`${server.url.replace('http', 'ws')}/ws/fz-ws`);
    try {
      const frame = fc.oneof(
        { weight: 4, arbitrary: commandText(fc.constantFrom('fz-ws', ...QUEUES)).map((text) => ({ text, binary: false })) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 32 }).map((b) => ({ text: Buffer.from(b), binary: true })) },
      );
      await fc.assert(
        fc.asyncProperty(frame, async ({ text, binary }) => {
          // A text frame that is not a JSON command is echoed as it came (the original's rule).
          if (!binary && typeof text === 'string' && !isCommandFrame(text)) {
            const sent = ws.texts.length;
            ws.socket.send(text);
            // Streamed messages of the socket's queue may arrive in between: wait for the echo itself.
            // A lone surrogate cannot cross the wire as UTF-8: compare with what was sent.
            const onWire = Buffer.from(text, 'utf8').toString('utf8');
            await ws.until(() => ws.texts.slice(sent).includes(onWire) || ws.ended, 'the echo of a frame');
            assert.equal(ws.ended, false, `the socket closed: ${ws.closeCode} ${ws.closeReason}`);
            return;
          }
          const seen = ws.answers.length;
          ws.socket.send(text, { binary });
          await ws.until(() => ws.answers.length > seen || ws.ended, 'the answer to a frame');
          assert.equal(ws.ended, false, `the socket closed: ${ws.closeCode} ${ws.closeReason}`);
          const answer = ws.answers[seen];
          assert.ok(answer !== undefined);
          if ('code' in answer) {
            assert.ok(isCatalogCode(answer.code), `not a catalog code: ${JSON.stringify(answer)}`);
            assert.ok(ERROR_CATALOG[answer.code].status < 500, `a ${ERROR_CATALOG[answer.code].status} answer: ${JSON.stringify(answer)}`);
          }
        }),
        runs(RUNS * 2),
      );
    } finally {
      ws.close();
    }
  });

  it('WebSocket upgrades with any query: opened, or refused below 500 with a catalog error', async () => {
    await fc.assert(
      // A URL with '#' has a fragment, which a WebSocket client refuses before sending.
      fc.asyncProperty(pathQueue(validQueue), urlEncoded.filter((q) => !q.includes('#')), async (queue, query) => {
        let client: WsClient | undefined;
        try {
          client = await WsClient.open(`${server.url.replace('http', 'ws')}/ws/${queue}?${query}`);
        } catch (err) {
          const match = /^upgrade refused: (\d+) (.*)$/s.exec(err instanceof Error ? err.message : '');
          assert.ok(match, `not an HTTP refusal: ${String(err)}`);
          // The refusal's content type is not in the message: a JSONP callback wraps the body.
          const text = match[2] ?? '';
          const contentType = text.startsWith('{') ? 'application/json' : 'application/javascript';
          assertAcceptable({ status: Number(match[1]), contentType, text }, `upgrade /ws/${queue}?${query}`);
        } finally {
          client?.close();
        }
      }),
      runs(Math.floor(RUNS / 3)),
    );
  });

  it('the server still serves afterwards', async () => {
    assert.equal((await send(server.url, { method: 'GET', path: '/healthz' })).status, 200);
    const published = await send(server.url, { method: 'POST', path: '/q/fz-after', headers: { 'content-type': 'text/plain' }, body: Buffer.from('still here') });
    assert.equal(published.status, 200, published.text);
    const popped = await send(server.url, { method: 'GET', path: '/q/fz-after' });
    assert.equal((JSON.parse(popped.text) as { value: unknown }).value, 'still here');
  });
});
