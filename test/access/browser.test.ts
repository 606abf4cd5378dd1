// A real browser behind the ACL: headless Chromium (Debian's package, driven by
// playwright-core) authenticates its WebSocket with the original's cookie
// `auth=user:password` and its EventSource with `?access_token=`, the two ways a page
// can present credentials without setting headers.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { hashToken } from '../../src/access/secrets.js';
import { tempDir } from '../support/server.js';
import { basic, startAclServer } from './helpers.js';
import type { AclServer } from './helpers.js';

const TOKEN = 'tok-browser-sse';
const ACL = `[websocket:consumer]
username = lerr
password = lerr

[comet:consumer]
hosts_allow = 127.0.0.1

[rest:producer]
username = pub
password = pub

[token:page]
sha256 = ${hashToken(TOKEN)}
queues = page.*
allow = consume
`;

interface AclSeen {
  wsOpen: boolean;
  wsClosed: number | null;
  ws: string[];
  sse: string[];
  sseErrors: number;
}

declare global {
  interface Window {
    aclSeen: AclSeen;
  }
}

function openWebSocket(queue: string): void {
  window.aclSeen = { wsOpen: false, wsClosed: null, ws: [], sse: [], sseErrors: 0 };
  const ws = new WebSocket(`ws://${location.host}/ws/${queue}`);
  ws.onopen = () => {
    window.aclSeen.wsOpen = true;
  };
  ws.onclose = (e) => {
    window.aclSeen.wsClosed = e.code;
  };
  ws.onmessage = (e: MessageEvent<string>) => window.aclSeen.ws.push(e.data);
}

function openEventSource(url: string): void {
  const es = new EventSource(url);
  es.onmessage = (e: MessageEvent<string>) => window.aclSeen.sse.push(e.data);
  es.onerror = () => {
    window.aclSeen.sseErrors += 1;
  };
}

async function publish(base: string, queue: string, value: string): Promise<void> {
  const res = await fetch(`${base}/q/${queue}`, { method: 'POST', headers: basic('pub', 'pub'), body: new URLSearchParams({ value }) });
  assert.equal(res.status, 200, await res.text());
}

describe('a browser page behind the ACL', () => {
  let acl: AclServer;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;

  before(async () => {
    acl = await startAclServer('sqlite', ACL, { sync: 'normal', sseRetryMs: 200 });
    profile = tempDir('restmq-chromium-acl-');
    browser = await launchChromium(profile);
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(10_000);
  });

  after(async () => {
    await browser?.close();
    await acl?.stop();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  it('a WebSocket is refused without the auth cookie and served with it', async () => {
    await page.goto(`${acl.server.url}/healthz`);
    await page.evaluate(openWebSocket, 'page.ws');
    await page.waitForFunction(() => window.aclSeen.wsClosed !== null);
    assert.equal(await page.evaluate(() => window.aclSeen.wsOpen), false);

    await page.evaluate(() => {
      document.cookie = 'auth=lerr:lerr; path=/';
    });
    await page.evaluate(openWebSocket, 'page.ws');
    await page.waitForFunction(() => window.aclSeen.wsOpen);
    await publish(acl.server.url, 'page.ws', 'hello cookie');
    await page.waitForFunction(() => window.aclSeen.ws.length === 1);
    assert.deepEqual(JSON.parse((await page.evaluate(() => window.aclSeen.ws[0])) ?? ''), { key: 'page.ws:1', value: 'hello cookie' });
  });

  it('an EventSource presents its token as access_token; one for another queue gets nothing', async () => {
    await page.goto(`${acl.server.url}/healthz`);
    await page.evaluate(() => {
      window.aclSeen = { wsOpen: false, wsClosed: null, ws: [], sse: [], sseErrors: 0 };
    });
    await page.evaluate(openEventSource, `/sse/other.q?access_token=${TOKEN}`);
    await page.evaluate(openEventSource, `/sse/page.sse?access_token=${TOKEN}`);
    await page.waitForFunction(() => window.aclSeen.sseErrors >= 1); // the stream for other.q was refused
    await publish(acl.server.url, 'page.sse', 'hello token');
    await publish(acl.server.url, 'other.q', 'not for this page');
    await page.waitForFunction(() => window.aclSeen.sse.length === 1);
    assert.deepEqual(JSON.parse((await page.evaluate(() => window.aclSeen.sse[0])) ?? ''), { key: 'page.sse:1', value: 'hello token' });
    // Nothing streamed the other queue's message away.
    const left = await acl.server.broker.peek('other.q', 10);
    assert.deepEqual(left.map((m) => m.value), ['not for this page']);
  });
});
