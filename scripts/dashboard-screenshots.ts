/**
 * Makes the dashboard screenshots in docs/img/ (desktop and phone, the queue list and a
 * queue's page): starts a server whose clock runs 160 times faster than real time, so a
 * short workload fills an hour of chart, and photographs it in headless Chromium.
 * Run after `npm run build`: `npx tsx scripts/dashboard-screenshots.ts`.
 */
import { rmSync } from 'node:fs';
import { RestMQClient } from '../src/client/index.js';
import { launchChromium } from '../test/support/chromium.js';
import { startTestServer, tempDir } from '../test/support/server.js';

/** Fake seconds per real second. */
const SPEED = 160;
const start = Date.now();
const fakeNow = (): number => start + (Date.now() - start) * SPEED;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const server = await startTestServer({ dashboardIntervalMs: 100 }, { now: fakeNow });
const mq = new RestMQClient({ url: server.url });
const profile = tempDir('restmq-shots-');
let running = true;

await mq.configure('payments', { max_attempts: 1 });
await mq.configure('emails', { delay: 0, lease: 120 });
await mq.publishBatch('audit.log', Array.from({ length: 40 }, (_, i) => `entry ${i}`));

/** One step of a workload whose depth rises and falls over the fake hour. */
async function step(i: number): Promise<void> {
  const orders = Math.max(0, Math.round(6 + 6 * Math.sin(i / 25)));
  if (orders > 0) await mq.publishBatch('orders', Array.from({ length: orders }, (_, k) => JSON.stringify({ order: i * 100 + k, total: 19.5 + k })));
  // One lease in nine is never acked: it expires, comes back, and after 5 attempts becomes a dead letter.
  for (const job of await mq.lease('orders', { seconds: 120, n: 6 })) if ((i + job.key.length) % 9 !== 0) await job.ack();
  if (i % 3 === 0) await mq.publish('emails', `welcome mail ${i}`);
  await mq.publish('notifications', `user ${i % 17} signed in`);
  if (i % 5 === 0) for (const job of await mq.lease('emails', { n: 1 })) await job.ack();
  if (i % 2 === 0) await mq.publish('thumbnails', `img-${i}.png`, { delay: 600 });
  if (i % 4 === 0) {
    await mq.publish('payments', JSON.stringify({ charge: i }));
    for (const job of await mq.lease('payments', { n: 1 })) {
      if (i % 12 === 0) await job.release();
      else await job.ack();
    }
  }
}

let i = 0;
const workload = (async () => {
  while (running) {
    await step(i++);
    await sleep(40);
  }
})();
// Streaming consumers (read, so they keep up), so the consumer column and card have something to show.
const streams = [new AbortController(), new AbortController(), new AbortController(), new AbortController()];
const consume = async (path: string, signal: AbortSignal): Promise<void> => {
  const response = await fetch(`${server.url}${path}`, { signal });
  const reader = response.body?.getReader();
  while (running && reader !== undefined && !(await reader.read()).done);
};
// A dashboard stream from the start, so the sampler (which starts with the first one) charts the whole hour.
void consume('/dashboard/api/stats', streams[3]!.signal).catch(() => undefined);
void consume('/sse/notifications', streams[0]!.signal).catch(() => undefined);
void consume('/sse/notifications', streams[1]!.signal).catch(() => undefined);
void consume('/c/notifications', streams[2]!.signal).catch(() => undefined);

await sleep(20_000); // about an hour of fake time (the workload slows the sampler down)
const browser = await launchChromium(profile);
try {
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') console.error('console error:', m.text());
  });
  for (const [name, width, height] of [['desktop', 1280, 800], ['phone', 390, 844]] as const) {
    await page.setViewportSize({ width, height });
    await page.goto(`${server.url}/dashboard`);
    await page.waitForSelector('#queues tbody tr');
    await sleep(1500);
    await page.screenshot({ path: `docs/img/dashboard-list-${name}.png`, fullPage: name === 'phone' });
    await page.goto(`${server.url}/dashboard#/q/orders`);
    await page.waitForSelector('#chart svg');
    await sleep(1500);
    await page.screenshot({ path: `docs/img/dashboard-queue-${name}.png`, fullPage: true });
  }
} finally {
  running = false;
  await workload;
  for (const s of streams) s.abort();
  await browser.close();
  await server.stop();
  rmSync(profile, { recursive: true, force: true });
}
