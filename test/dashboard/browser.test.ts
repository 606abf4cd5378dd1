// The dashboard in headless Chromium against a real server, on SQLite and on Redis: every
// action is done through the page (clicks, forms, the confirmation dialog) and its effect is
// checked through the HTTP API; every page is checked for console errors (a CSP violation
// is one). Live figures arrive over the stats stream every 100 ms (--dashboard-interval-ms).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { RestMQClient } from '../../src/client/index.js';
import { STORES } from '../access/helpers.js';
import { request } from '../support/http.js';
import { waitFor } from '../support/wait.js';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { listCell, waitForText, watchedBrowser } from './helpers.js';
import type { WatchedBrowser } from './helpers.js';

for (const store of STORES) {
  describe(`dashboard in Chromium, ${store} store`, () => {
    let redis: RedisProcess | null = null;
    let server: TestServer;
    let chrome: WatchedBrowser;
    let mq: RestMQClient;

    before(async () => {
      if (store === 'redis') redis = await startRedis();
      server = await startTestServer({ dashboardIntervalMs: 100, ...(redis === null ? {} : { redisUrl: redis.url }) });
      mq = new RestMQClient({ url: server.url });
      chrome = await watchedBrowser();
    });

    after(async () => {
      await chrome.close();
      await server.stop();
      await redis?.stop();
    });

    afterEach(() => {
      assert.deepEqual(chrome.takeErrors(), [], 'the page logged no console error');
    });

    /** Opens a queue's page and waits for its live figures. */
    async function openQueue(queue: string): Promise<void> {
      await chrome.page.goto(`${server.url}/dashboard#/q/${encodeURIComponent(queue)}`);
      await waitForText(chrome.page, '#queue-name', (t) => t === queue, 'the queue page');
      await waitForText(chrome.page, '#status', (t) => t !== '', 'the live status');
    }

    it('serves the page under its own CSP and redirects the original /static/index.html to it', async () => {
      const page = await request(`${server.url}/dashboard`);
      assert.equal(page.status, 200);
      const csp = page.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /style-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      const redirect = await request(`${server.url}/static/index.html`, { redirect: 'manual' });
      assert.equal(redirect.status, 302);
      assert.equal(redirect.headers.get('location'), '/dashboard');
      await chrome.page.goto(`${server.url}/static/index.html`);
      assert.equal(new URL(chrome.page.url()).pathname, '/dashboard');
      await waitForText(chrome.page, '#live', (t) => t === 'live', 'the live stream');
    });

    it('lists queues with depth, in-flight, delayed and dead letters, updated live', async () => {
      const q = queueName('list');
      await mq.publishBatch(q, ['a', 'b', 'c', { value: 'later', delay: 600 }]);
      await mq.lease(q, { seconds: 60 });
      await chrome.page.goto(`${server.url}/dashboard`);
      await waitForText(chrome.page, listCell(q, 'length'), (t) => t === '4', 'the depth');
      assert.equal(await chrome.page.textContent(listCell(q, 'ready')), '2');
      assert.equal(await chrome.page.textContent(listCell(q, 'leased')), '1');
      assert.equal(await chrome.page.textContent(listCell(q, 'delayed')), '1');
      assert.equal(await chrome.page.textContent(listCell(q, 'dead')), '0');
      // Live: a publish through the API shows up without a reload, with an inbound rate.
      await mq.publishBatch(q, ['d', 'e']);
      await waitForText(chrome.page, listCell(q, 'length'), (t) => t === '6', 'the live depth');
      assert.equal(await chrome.page.locator(`${listCell(q, 'spark')} svg`).count(), 1);
      // The filter narrows the list.
      await chrome.page.fill('#filter', q);
      await waitFor('the filtered list', async () => (await chrome.page.locator('#queues tbody tr').count()) === 1, 5000);
      await chrome.page.fill('#filter', '');
    });

    it('shows a queue: the hour chart, a peek that takes nothing, and a message found by key', async () => {
      const q = queueName('page');
      await mq.publishBatch(q, ['first', 'second', 'third']);
      await openQueue(q);
      await waitForText(chrome.page, '#figures', (t) => t.includes('Depth3'), 'the figures');
      await chrome.page.locator('#chart svg polyline.s-ready').waitFor({ state: 'attached', timeout: 10_000 });
      await waitForText(chrome.page, '#peek', (t) => t.includes(`${q}:3`), 'the peek');
      const peeked = await chrome.page.locator('#peek tbody tr').count();
      assert.equal(peeked, 3);
      const untouched = await mq.peek(q, 10);
      assert.deepEqual(untouched.map((m) => [m.key, m.state, m.count]), [[`${q}:1`, 'ready', 0], [`${q}:2`, 'ready', 0], [`${q}:3`, 'ready', 0]]);
      await chrome.page.fill('#find-key', `${q}:2`);
      await chrome.page.click('#find button[type=submit]');
      await waitForText(chrome.page, '#found', (t) => t.includes('second'), 'the found message');
      await chrome.page.fill('#find-key', `${q}:99`);
      await chrome.page.click('#find button[type=submit]');
      await waitForText(chrome.page, '#found', (t) => t.includes('message_not_found'), 'the not-found answer');
      chrome.takeErrors(); // the browser logs the 404 of the lookup; that is the answer shown
      const history = (await (await fetch(`${server.url}/dashboard/api/queues/${q}/history`)).json()) as { t: number[]; ready: number[] };
      assert.ok(history.t.length >= 2 && history.ready.at(-1) === 3, JSON.stringify(history));
    });

    it('sends a test message with a delay and a dedup id', async () => {
      const q = queueName('send');
      await openQueue(q);
      await chrome.page.fill('#send-value', 'from the page');
      await chrome.page.fill('#send-delay', '30');
      await chrome.page.fill('#send-dedup', 'once');
      await chrome.page.click('#send button[type=submit]');
      const sent = await waitForText(chrome.page, '#sent', (t) => t.startsWith('Stored as'), 'the stored key');
      const key = sent.replace('Stored as ', '');
      const message = await mq.get(q, key);
      assert.equal(message.value, 'from the page');
      assert.equal(message.state, 'delayed');
      await chrome.page.click('#send button[type=submit]');
      await waitForText(chrome.page, '#sent', (t) => t.startsWith('Duplicate of'), 'the dedup answer');
      assert.equal((await mq.peek(q, 10)).length, 1);
    });

    it('pauses and resumes one queue, then every queue shown', async () => {
      const q = queueName('pause');
      const other = queueName('pause');
      await mq.publish(q, 'x');
      await mq.publish(other, 'y');
      await openQueue(q);
      await chrome.page.click('#toggle');
      await waitForText(chrome.page, '#status', (t) => t === 'paused', 'paused');
      assert.equal((await mq.stats(q))['status'], 'stopped');
      await chrome.page.click('#toggle');
      await waitForText(chrome.page, '#status', (t) => t === 'running', 'running');
      assert.equal((await mq.stats(q))['status'], 'started');
      await chrome.page.goto(`${server.url}/dashboard`);
      await waitForText(chrome.page, listCell(other, 'length'), (t) => t === '1', 'the list');
      await chrome.page.click('#pause-all');
      await waitForText(chrome.page, '#toast', (t) => t.startsWith('Paused'), 'the pause-all toast');
      const stopped = (await (await fetch(`${server.url}/control/`)).json()) as { queues: Record<string, string> };
      assert.ok(Object.values(stopped.queues).every((s) => s === 'stopped'), JSON.stringify(stopped));
      await waitForText(chrome.page, `${listCell(q, 'queue')} .pill`, (t) => t === 'paused', 'the paused pill');
      await chrome.page.click('#resume-all');
      await waitForText(chrome.page, '#toast', (t) => t.startsWith('Resumed'), 'the resume-all toast');
      const started = (await (await fetch(`${server.url}/control/`)).json()) as { queues: Record<string, string> };
      assert.ok(Object.values(started.queues).every((s) => s === 'started'), JSON.stringify(started));
    });

    it('edits the policy and settings', async () => {
      const q = queueName('settings');
      await mq.publish(q, 'x');
      await openQueue(q);
      await waitFor('the loaded settings', async () => (await chrome.page.inputValue('#set-lease')) === '30', 5000);
      await chrome.page.selectOption('#set-policy', 'roundrobin');
      await chrome.page.fill('#set-lease', '45');
      await chrome.page.fill('#set-max_attempts', '2');
      await chrome.page.fill('#set-max_length', '500');
      await chrome.page.click('#settings button[type=submit]');
      await waitForText(chrome.page, '#toast', (t) => t.startsWith('Saved'), 'the saved toast');
      const config = await mq.config(q);
      assert.equal(config['policy'], 'roundrobin');
      assert.equal(config['lease'], 45);
      assert.equal(config['max_attempts'], 2);
      assert.equal(config['max_length'], 500);
      await waitForText(chrome.page, '#policy', (t) => t === 'roundrobin', 'the live policy');
      // A refused value shows the server's reason and changes nothing.
      await chrome.page.fill('#set-dead_letter', q);
      await chrome.page.click('#settings button[type=submit]');
      await waitForText(chrome.page, '#toast', (t) => t.includes('invalid_config'), 'the refusal');
      assert.equal((await mq.config(q))['dead_letter'], `${q}.dlq`);
      chrome.takeErrors(); // the browser logs the 400 of the refused save
    });

    it('shows the dead-letter queue and redrives it', async () => {
      const q = queueName('dead');
      await mq.configure(q, { max_attempts: 1 });
      await mq.publishBatch(q, ['poison 1', 'poison 2']);
      for (const job of await mq.lease(q, { n: 2 })) await job.release();
      await openQueue(q);
      await waitForText(chrome.page, '#dlq-info', (t) => t.includes('2 waiting'), 'the dead letters');
      await waitForText(chrome.page, '#dlq-peek', (t) => t.includes('poison 1'), 'the dead letters peeked');
      await chrome.page.click('#redrive');
      await waitForText(chrome.page, '#toast', (t) => t.startsWith('Moved 2'), 'the redrive toast');
      assert.equal((await mq.peek(q, 10)).length, 2);
      assert.equal((await mq.peek(`${q}.dlq`, 10)).length, 0);
      await waitForText(chrome.page, '#dlq-info', (t) => t.includes('0 waiting'), 'the emptied dead-letter queue');
    });

    it('shows the consumers connected by transport', async () => {
      const q = queueName('consumers');
      await mq.publish(q, 'x');
      const abort = new AbortController();
      const sse = await fetch(`${server.url}/sse/${q}`, { signal: abort.signal });
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/${q}`);
      await new Promise((resolve) => ws.once('open', resolve));
      try {
        await openQueue(q);
        await waitForText(chrome.page, '#consumers tr[data-transport="SSE"] td', (t) => t === '1', 'the SSE consumer');
        await waitForText(chrome.page, '#consumers tr[data-transport="WebSocket"] td', (t) => t === '1', 'the WebSocket consumer');
        const api = (await (await fetch(`${server.url}/dashboard/api/queues/${q}/consumers`)).json()) as Record<string, unknown>;
        assert.deepEqual(api, { queue: q, comet: 0, sse: 1, websocket: 1, long_poll: 0 });
      } finally {
        abort.abort();
        await sse.body?.cancel().catch(() => undefined);
        ws.close();
      }
      await waitForText(chrome.page, '#consumers tr[data-transport="SSE"] td', (t) => t === '0', 'the SSE consumer gone');
    });

    it("fits a phone's width: no sideways scrolling on the list or a queue's page", async () => {
      const q = queueName('phone-with-a-rather-long-name');
      await mq.publishBatch(q, ['{"order":1,"items":["a","b","c"],"note":"a value long enough to need wrapping on a phone"}', 'x']);
      await chrome.page.setViewportSize({ width: 390, height: 844 });
      try {
        const fits = (): Promise<boolean> => chrome.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
        await chrome.page.goto(`${server.url}/dashboard`);
        await waitForText(chrome.page, listCell(q, 'length'), (t) => t.endsWith('2'), 'the list');
        assert.equal(await fits(), true, 'the list fits');
        await openQueue(q);
        await waitForText(chrome.page, '#peek', (t) => t.includes(`${q}:2`), 'the peek');
        await chrome.page.locator('#chart svg').waitFor({ state: 'attached', timeout: 10_000 });
        assert.equal(await fits(), true, "the queue's page fits");
      } finally {
        await chrome.page.setViewportSize({ width: 1280, height: 720 });
      }
    });

    it('purges and drops only once confirmed', async () => {
      const q = queueName('purge');
      await mq.publishBatch(q, ['1', '2', '3']);
      await openQueue(q);
      await chrome.page.click('#purge');
      await chrome.page.click('#confirm-cancel');
      assert.equal((await mq.peek(q, 10)).length, 3, 'cancel purges nothing');
      await chrome.page.click('#purge');
      await chrome.page.click('#confirm-ok');
      await waitForText(chrome.page, '#toast', (t) => t.startsWith('Purged 3'), 'the purge toast');
      assert.equal((await mq.peek(q, 10)).length, 0);
      await mq.configure(q, { lease: 77 });
      await chrome.page.click('#drop');
      assert.equal(await chrome.page.isDisabled('#confirm-ok'), true, 'drop waits for the typed name');
      await chrome.page.fill('#confirm-typed', q);
      await chrome.page.click('#confirm-ok');
      await waitForText(chrome.page, '#toast', (t) => t.startsWith('Dropped'), 'the drop toast');
      assert.equal(new URL(chrome.page.url()).hash, '#/');
      assert.equal((await mq.config(q))['lease'], 30, 'the settings went with the queue');
    });
  });
}
