// examples/browser: a page served from its own origin (a small static server here, with a
// CSP that forbids inline scripts) consumes a queue over SSE and WebSocket in headless
// Chromium, and publishes with fetch, against a RestMQ that allows the page's origin.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { queueName, startTestServer, tempDir } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { EXAMPLES } from './helpers.js';

const FILES: Record<string, string> = { '/index.html': 'text/html; charset=utf-8', '/app.js': 'text/javascript; charset=utf-8' };

/** Serves examples/browser on 127.0.0.1:0; inline scripts are refused by its CSP. */
async function staticServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const type = FILES[path];
    if (type === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': type, 'content-security-policy': "script-src 'self'" });
    res.end(readFileSync(join(EXAMPLES, 'browser', path.slice(1))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { server, origin: `http://127.0.0.1:${address.port}` };
}

/** The texts of a list on the page. */
function items(page: Page, id: string): Promise<string[]> {
  return page.locator(`#${id} li`).allTextContents();
}

describe('examples/browser', () => {
  let pages: { server: Server; origin: string };
  let restmq: TestServer;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;
  const problems: string[] = [];

  before(async () => {
    pages = await staticServer();
    restmq = await startTestServer({ sync: 'normal', allowedOrigins: [pages.origin], corsOrigins: [pages.origin] });
    profile = tempDir('restmq-chromium-');
    browser = await launchChromium(profile);
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
  });

  after(async () => {
    await browser?.close();
    await restmq?.stop();
    pages?.server.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  it('consumes over SSE and WebSocket, publishes with fetch, and shows values as text', async () => {
    const queue = queueName('browser');
    await page.goto(`${pages.origin}/index.html?${new URLSearchParams({ server: restmq.url, queue }).toString()}`);
    await page.locator('#sse-state', { hasText: 'open' }).waitFor();
    await page.locator('#ws-state', { hasText: 'open' }).waitFor();

    for (const value of ['one', '<b>two</b>']) {
      const res = await fetch(`${restmq.url}/q/${queue}`, { method: 'POST', body: new URLSearchParams({ value }) });
      assert.equal(res.status, 200);
    }
    const firstTwo = [`${queue}:1: one`, `${queue}:2: <b>two</b>`];
    await page.waitForFunction(() => document.querySelectorAll('#sse li').length === 2 && document.querySelectorAll('#ws li').length === 2);
    assert.deepEqual(await items(page, 'sse'), firstTwo);
    assert.deepEqual(await items(page, 'ws'), firstTwo);
    assert.equal(await page.locator('#sse b, #ws b').count(), 0, 'a value was rendered as markup');

    // Publishing from the page: a cross-origin POST the server lets through and CORS lets it read.
    await page.fill('#value', 'from the page');
    await page.click('#publish button');
    await page.locator('#status', { hasText: `published ${queue}:3` }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#sse li').length === 3 && document.querySelectorAll('#ws li').length === 3);
    assert.equal((await items(page, 'sse'))[2], `${queue}:3: from the page`);
    assert.equal((await items(page, 'ws'))[2], `${queue}:3: from the page`);

    // A purge ends both streams; the event stream says why.
    assert.equal((await fetch(`${restmq.url}/q/${queue}`, { method: 'DELETE' })).status, 200);
    await page.locator('#sse li', { hasText: 'closed by the server: queue_purged' }).waitFor();
    assert.deepEqual(problems, []);
  });

  it('a RestMQ that does not allow the page origin refuses it, and the page says so', async () => {
    const strict = await startTestServer({ sync: 'normal' });
    try {
      const queue = queueName('refused');
      await page.goto(`${pages.origin}/index.html?${new URLSearchParams({ server: strict.url, queue }).toString()}`);
      await page.fill('#value', 'not allowed');
      await page.click('#publish button');
      // The POST is refused before anything is stored; without CORS the page cannot even read why.
      await page.locator('#status', { hasText: 'publish failed' }).waitFor();
      assert.equal((await fetch(`${strict.url}/q/${queue}`)).status, 204);
      // Neither stream is let in: the WebSocket upgrade is refused, the event stream too.
      await page.locator('#ws-state', { hasText: 'closed' }).waitFor();
      await page.locator('#sse-state', { hasText: 'failed' }).waitFor();
    } finally {
      await strict.stop();
    }
  });
});
