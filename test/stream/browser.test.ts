// A real browser: headless Chromium (Debian's package, driven by playwright-core) opens a
// document of the server's origin and consumes a queue there with EventSource and WebSocket.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { queueName, startTestServer, tempDir } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { publish } from './helpers.js';


/** What the page records, read back with page.evaluate. */
interface Received {
  open: number;
  sse: { id: string; data: string }[];
  closes: string[];
  ws: string[];
}

declare global {
  interface Window {
    received: Received;
  }
}

/** Runs in the page: consumes `queue` with EventSource and WebSocket, recording everything. */
function consume(queue: string): void {
  window.received = { open: 0, sse: [], closes: [], ws: [] };
  const es = new EventSource(`/sse/${queue}`);
  es.onopen = () => {
    window.received.open += 1;
  };
  es.onmessage = (e: MessageEvent<string>) => window.received.sse.push({ id: e.lastEventId, data: e.data });
  es.addEventListener('close', (e: MessageEvent<string>) => window.received.closes.push(e.data));
  const ws = new WebSocket(`ws://${location.host}/ws/${queue}`);
  ws.onopen = () => {
    window.received.open += 1;
    ws.send(JSON.stringify({ cmd: 'add', value: 'from the browser' }));
  };
  ws.onmessage = (e: MessageEvent<string>) => window.received.ws.push(e.data);
}

describe('streaming in a real browser', () => {
  let server: TestServer;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;

  before(async () => {
    server = await startTestServer({ sync: 'normal', sseRetryMs: 200 });
    profile = tempDir('restmq-chromium-');
    // A fresh profile dir (playwright passes it as --user-data-dir).
    browser = await launchChromium(profile);
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(10_000);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  it('EventSource and WebSocket receive every published message; EventSource resumes with Last-Event-ID', async () => {
    const queue = queueName('browser');
    // A document of the server's own origin (so no CORS), then the consumer code in it.
    await page.goto(`${server.url}/healthz`);
    await page.evaluate(consume, queue);
    await page.waitForFunction(() => window.received.open === 2);
    // The browser's own add arrives back over both streams first.
    await page.waitForFunction(() => window.received.sse.length === 1);
    const keys = await publish(server.url, queue, ['one', 'two', 'with "quotes" and ünïcode']);
    await page.waitForFunction(() => window.received.sse.length === 4 && window.received.ws.length === 5);
    const got = await page.evaluate(() => window.received);
    const expected = [{ key: `${queue}:1`, value: 'from the browser' }, ...keys.map((key, i) => ({ key, value: ['one', 'two', 'with "quotes" and ünïcode'][i] }))];
    assert.deepEqual(got.sse.map((e) => e.id), expected.map((m) => m.key));
    assert.deepEqual(got.sse.map((e) => JSON.parse(e.data) as unknown), expected);
    const wsFrames = got.ws.map((f) => JSON.parse(f) as Record<string, unknown>);
    assert.deepEqual(wsFrames.filter((f) => 'queue' in f), [{ queue, value: 'from the browser', key: `${queue}:1` }]);
    assert.deepEqual(wsFrames.filter((f) => !('queue' in f)), expected);

    // A purge closes the event stream with a reason: the browser reconnects on its own
    // (after the retry: hint) with Last-Event-ID and carries on with new messages.
    const purge = await fetch(`${server.url}/q/${queue}`, { method: 'DELETE' });
    assert.equal(purge.status, 200);
    await page.waitForFunction(() => window.received.closes.length === 1);
    await page.waitForFunction(() => window.received.open >= 3); // EventSource reopened
    const [after] = await publish(server.url, queue, ['after reconnect']);
    await page.waitForFunction(() => window.received.sse.length === 5);
    const last = await page.evaluate(() => window.received.sse.at(-1));
    assert.equal(last?.id, after);
    assert.deepEqual(JSON.parse(last?.data ?? ''), { key: after, value: 'after reconnect' });
    assert.match((await page.evaluate(() => window.received.closes[0])) ?? '', /queue_purged/);
  });
});
