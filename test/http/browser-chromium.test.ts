// The browser attacks of issue 15, from headless Chromium (Debian's package, driven by
// playwright-core) with pages on two origins: an attacker page on 127.0.0.2 tries JSONP,
// form posts, a no-cors fetch and a WebSocket against RestMQ on 127.0.0.1, and must not
// read, pop or change anything; a page of an allowed origin (localhost:A) may use JSONP.
// Also: a rebound name gets 421, and RestMQ's own pages render under their CSP.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { counters, form, json, request } from '../support/http.js';
import { queueName, startTestServer, tempDir } from '../support/server.js';
import type { TestServer } from '../support/server.js';

/** A name Chromium resolves to 127.0.0.1 by itself: a DNS rebinding that already happened. */
const REBOUND = 'rebound.test';

/** What a page records, read back with page.evaluate. */
interface Seen {
  stolen: unknown[];
  events: string[];
}

declare global {
  interface Window {
    seen: Seen;
    steal: (value: unknown) => void;
  }
}

/** A static server of one empty page, on `host`. */
async function pageServer(host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>a page</title><body></body>');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Runs in the page: `<script src>` of `url`, resolving with how it ended. */
function scriptTag({ url, noReferrer }: { url: string; noReferrer: boolean }): Promise<string> {
  window.seen ??= { stolen: [], events: [] };
  window.steal = (value: unknown) => window.seen.stolen.push(value);
  return new Promise((resolve) => {
    const script = document.createElement('script');
    if (noReferrer) script.referrerPolicy = 'no-referrer';
    script.src = url;
    script.onload = () => resolve('load');
    script.onerror = () => resolve('error');
    document.body.append(script);
  });
}

/** Runs in the page: posts a form into a hidden frame (the page stays), resolving when the frame loaded. */
function formPost({ action, fields }: { action: string; fields: Record<string, string> }): Promise<void> {
  return new Promise((resolve) => {
    const frame = document.createElement('iframe');
    frame.name = `f${Math.random().toString(36).slice(2)}`;
    frame.onload = () => resolve();
    document.body.append(frame);
    const f = document.createElement('form');
    f.method = 'POST';
    f.action = action;
    f.target = frame.name;
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement('input');
      input.name = name;
      input.value = value;
      f.append(input);
    }
    document.body.append(f);
    f.submit();
  });
}

/** Runs in the page: no-cors fetches (a text/plain JSON command and a pop); opaque answers. */
async function noCorsFetches({ base, queue }: { base: string; queue: string }): Promise<string[]> {
  const del = await fetch(`${base}/queue`, {
    method: 'POST',
    mode: 'no-cors',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ cmd: 'del', queue, key: `${queue}:1` }),
  });
  const pop = await fetch(`${base}/q/${queue}`, { mode: 'no-cors' });
  return [del.type, pop.type];
}

/** Runs in the page: opens a WebSocket and sends a take; resolves with what happened. */
function webSocket({ url, queue }: { url: string; queue: string }): Promise<string[]> {
  return new Promise((resolve) => {
    const events: string[] = [];
    const ws = new WebSocket(url);
    ws.onopen = () => {
      events.push('open');
      ws.send(JSON.stringify({ cmd: 'take', queue }));
    };
    ws.onmessage = (e: MessageEvent<string>) => {
      events.push(`message ${e.data}`);
      ws.close();
    };
    ws.onerror = () => events.push('error');
    ws.onclose = () => resolve(events);
  });
}

describe('browser safety in a real browser, pages on two origins', () => {
  let server: TestServer;
  let attacker: { server: Server; port: number };
  let friend: { server: Server; port: number };
  let browser: BrowserContext;
  let page: Page;
  let profile: string;
  let base: string;

  before(async () => {
    attacker = await pageServer('127.0.0.2');
    friend = await pageServer('127.0.0.1');
    server = await startTestServer({ sync: 'normal', allowedOrigins: [`http://localhost:${friend.port}`] });
    base = `http://127.0.0.1:${server.port}`;
    profile = tempDir('restmq-chromium-');
    browser = await launchChromium(profile, [`--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`]);
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(10_000);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    attacker?.server.close();
    friend?.server.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  /** The queue's state as a header-less client sees it. */
  async function state(queue: string): Promise<unknown> {
    return { counters: await counters(server.url, queue), control: json(await request(`${server.url}/control/${queue}`)) };
  }

  it('a page of another origin cannot pop by JSONP, post forms, fetch no-cors, or open a WebSocket', async () => {
    const queue = queueName('secret');
    assert.equal((await form(`${server.url}/q/${queue}`, { value: 'the secret' })).status, 200);
    const before = await state(queue);
    await page.goto(`http://127.0.0.2:${attacker.port}/`);

    assert.equal(await page.evaluate(scriptTag, { url: `${base}/q/${queue}?callback=steal`, noReferrer: false }), 'error');
    assert.equal(await page.evaluate(scriptTag, { url: `${base}/?queue=${queue}&callback=steal`, noReferrer: true }), 'error');
    await page.evaluate(formPost, { action: `${base}/control/${queue}`, fields: { status: 'stop' } });
    await page.evaluate(formPost, { action: `${base}/queue`, fields: { body: JSON.stringify({ cmd: 'take', queue }) } });
    await page.evaluate(formPost, { action: `${base}/q/${queue}`, fields: { value: 'injected' } });
    assert.deepEqual(await page.evaluate(noCorsFetches, { base, queue }), ['opaque', 'opaque']);
    assert.deepEqual(await page.evaluate(webSocket, { url: `ws://127.0.0.1:${server.port}/ws/${queue}`, queue }), ['error']);

    assert.deepEqual(await page.evaluate(() => window.seen.stolen), []);
    assert.deepEqual(await state(queue), before, 'the queue is as it was: nothing popped, posted, deleted or stopped');
    assert.deepEqual(json(await request(`${server.url}/q/${queue}`, { headers: { accept: 'application/json' } })), {
      key: `${queue}:1`,
      value: 'the secret',
      count: 0,
    });
  });

  it('a page of an allowed origin may use JSONP and WebSocket', async () => {
    const queue = queueName('friend');
    await form(`${server.url}/q/${queue}`, { value: 'for a friend' });
    await page.goto(`http://localhost:${friend.port}/`);
    assert.equal(await page.evaluate(scriptTag, { url: `${base}/q/${queue}?callback=steal`, noReferrer: false }), 'load');
    assert.deepEqual(await page.evaluate(() => window.seen.stolen), [{ key: `${queue}:1`, value: 'for a friend', count: 0 }]);
    const events = await page.evaluate(webSocket, { url: `ws://127.0.0.1:${server.port}/ws/${queue}`, queue });
    assert.equal(events[0], 'open');
  });

  it('a rebound name is answered 421, and RestMQ pages cannot be framed by another origin', async () => {
    const rebound = await page.goto(`http://${REBOUND}:${server.port}/q/`);
    assert.equal(rebound?.status(), 421);

    await page.goto(`http://127.0.0.2:${attacker.port}/`);
    const refused = page.waitForEvent('console', (m) => m.text().includes("frame-ancestors 'none'"));
    await page.evaluate((url) => {
      const frame = document.createElement('iframe');
      frame.src = url;
      document.body.append(frame);
    }, `${base}/queue`);
    await refused;
  });

  it("RestMQ's own pages render under their CSP without a violation", async () => {
    const queue = queueName('page');
    await form(`${server.url}/q/${queue}`, { value: 'v' });
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    for (const path of ['/', '/q/', `/j/${queue}`, '/queue']) {
      const answer = await page.goto(`${base}${path}`);
      assert.equal(answer?.status(), 200, path);
      assert.match(answer?.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
      // The inline style sheet applied: the CSP hash matches it.
      assert.equal(await page.evaluate(() => getComputedStyle(document.body).fontFamily), 'sans-serif', path);
    }
    await page.goto(`${base}/j/${queue}`);
    assert.equal(await page.locator('#length').textContent(), '1');
    assert.deepEqual(violations, []);
  });
});
