// The dashboard under an ACL, in Chromium: it asks for a token (no browser Basic-auth
// prompt: its requests' 401s carry no WWW-Authenticate), shows only the queues the token may
// consume, refuses what the token may not do (checked through the API), and signs out.
// Pages of another origin cannot use its API (the browser guards).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { RestMQClient } from '../../src/client/index.js';
import { bearer, startAclServer, tokenSection } from '../access/helpers.js';
import type { AclServer } from '../access/helpers.js';
import { assertError, request } from '../support/http.js';
import { listCell, waitForText, watchedBrowser } from './helpers.js';
import type { WatchedBrowser } from './helpers.js';

const ADMIN = 'rmq_dashboard-admin-token-0123456789abcdefghijklmn';
const VIEWER = 'rmq_dashboard-viewer-token-0123456789abcdefghijklm';

/** Console lines Chromium writes for answers the page expects and shows (401, 403). */
const expectedRefusal = /Failed to load resource: the server responded with a status of 40[13]/;

describe('dashboard with an ACL', () => {
  let acl: AclServer;
  let chrome: WatchedBrowser;
  let admin: RestMQClient;
  let url: string;

  before(async () => {
    acl = await startAclServer(
      'sqlite',
      tokenSection('admin', ADMIN, 'app.*', 'produce, consume, admin') + tokenSection('viewer', VIEWER, 'app.*', 'consume'),
      { dashboardIntervalMs: 100 },
    );
    url = acl.server.url;
    admin = new RestMQClient({ url, token: ADMIN });
    await admin.publishBatch('app.jobs', ['1', '2']);
    await acl.server.broker.publish('secret.payroll', { value: 'hidden', ttlSeconds: null });
    chrome = await watchedBrowser();
  });

  after(async () => {
    await chrome.close();
    await acl.stop();
  });

  afterEach(() => {
    const unexpected = chrome.takeErrors().filter((line) => !expectedRefusal.test(line));
    assert.deepEqual(unexpected, [], 'no console error but the refusals the page shows');
  });

  it("answers the page's own requests without a Basic challenge, and other clients with one", async () => {
    const plain = await request(`${url}/dashboard/api/stats`);
    assertError(plain, 'unauthorized');
    assert.match(plain.headers.get('www-authenticate') ?? '', /Basic/);
    const marked = await request(`${url}/dashboard/api/stats`, { headers: { 'x-restmq-dashboard': '1' } });
    assertError(marked, 'unauthorized');
    assert.equal(marked.headers.get('www-authenticate'), null);
    // The page itself and its files hold no queue data: they are served to anyone.
    assert.equal((await request(`${url}/dashboard`)).status, 200);
    assert.equal((await request(`${url}/dashboard/assets/app.js`)).status, 200);
    assert.equal((await request(`${url}/dashboard/client/index.js`)).status, 200);
  });

  it('asks for a token, then shows only the queues it may consume and refuses what it may not do', async () => {
    const page = chrome.page;
    await page.goto(`${url}/dashboard`);
    await page.locator('#signin').waitFor();
    await page.fill('#signin input[name=token]', VIEWER);
    await page.click('#signin button[type=submit]');
    await waitForText(page, listCell('app.jobs', 'length'), (t) => t === '2', 'the visible queue');
    assert.equal(await page.locator('#queues tr[data-queue="secret.payroll"]').count(), 0, 'a queue the token may not consume is not listed');
    // consume without admin: a purge is refused by the server and nothing is purged.
    await page.goto(`${url}/dashboard#/q/app.jobs`);
    await waitForText(page, '#status', (t) => t === 'running', 'the queue page');
    await waitForText(page, '#peek', (t) => t.includes('app.jobs:1'), 'the peek');
    await page.click('#purge');
    await page.click('#confirm-ok');
    await waitForText(page, '#toast', (t) => t.includes('forbidden'), 'the refusal');
    assert.equal((await admin.peek('app.jobs', 10)).length, 2);
    await page.click('#toggle');
    await waitForText(page, '#toast', (t) => t.includes('forbidden'), 'the refused pause');
    assert.equal((await admin.stats('app.jobs'))['status'], 'started');
    // Another principal: sign out, sign in with the admin token, and the purge goes through.
    await page.click('#signout');
    await page.locator('#signin').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'signing out forgets the token');
    await page.fill('#signin input[name=token]', ADMIN);
    await page.click('#signin button[type=submit]');
    await page.goto(`${url}/dashboard#/q/app.jobs`);
    await waitForText(page, '#status', (t) => t === 'running', 'the queue page');
    await page.click('#purge');
    await page.click('#confirm-ok');
    await waitForText(page, '#toast', (t) => t.startsWith('Purged 2'), 'the purge');
    assert.equal((await admin.peek('app.jobs', 10)).length, 0);
  });

  it('refuses a wrong token with the sign-in form', async () => {
    const page = chrome.page;
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${url}/dashboard`);
    await page.locator('#signin').waitFor();
    await page.fill('#signin input[name=token]', 'rmq_wrong');
    await page.click('#signin button[type=submit]');
    await waitForText(page, '#signin .error', (t) => t.includes('refused'), 'the refusal');
  });

  it('refuses the dashboard API to pages of other origins', async () => {
    for (const path of ['/dashboard/api/stats', '/dashboard/api/queues/app.jobs/history', '/dashboard/api/queues/app.jobs/consumers']) {
      const foreign = await request(`${url}${path}`, { headers: { ...bearer(ADMIN), origin: 'http://evil.example' } });
      assertError(foreign, 'cross_site_refused');
      const site = await request(`${url}${path}`, { headers: { ...bearer(ADMIN), 'sec-fetch-site': 'cross-site' } });
      assertError(site, 'cross_site_refused');
    }
    const history = await request(`${url}/dashboard/api/queues/secret.payroll/history`, { headers: bearer(VIEWER) });
    assertError(history, 'forbidden');
  });
});
