/**
 * Item: purge and drop must not stall the event loop. Fills a queue with N messages over
 * HTTP (batches of 1,000), then purges it (and fills and drops it) while an event-loop
 * delay histogram runs in the daemon's process and a probe client keeps asking another
 * queue. Prints the longest stall and the slowest probe answer.
 *
 *   npx tsx bench/purge-stall.ts [--redis] [--count 60000] [--bytes 64] [--used 0]
 *
 * `--used N` first publishes and pops N messages on other queues (a long-used database).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startRedis } from '../test/support/redis.js';
import type { RedisProcess } from '../test/support/redis.js';
import { startTestServer } from '../test/support/server.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const COUNT = flag('count', 60_000);
const USED = flag('used', 0);
const BYTES = flag('bytes', 64);
const useRedis = args.includes('--redis');

async function fill(url: string, queue: string, count: number): Promise<void> {
  const body = JSON.stringify(Array.from({ length: 1000 }, (_, i) => `message ${i} ${'x'.repeat(BYTES)}`));
  for (let done = 0; done < count; done += 1000) {
    const res = await fetch(`${url}/q/${queue}/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (res.status !== 200) throw new Error(`fill answered ${res.status}: ${await res.text()}`);
  }
}

async function measure(url: string, what: string, request: () => Promise<Response>): Promise<void> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let probeMax = 0;
  let probes = 0;
  let running = true;
  const probe = (async () => {
    while (running) {
      const t = performance.now();
      await (await fetch(`${url}/q/probe-queue`)).arrayBuffer();
      probeMax = Math.max(probeMax, performance.now() - t);
      probes++;
    }
  })();
  h.enable();
  const t0 = performance.now();
  const res = await request();
  const took = performance.now() - t0;
  const body = await res.text();
  running = false;
  await probe;
  h.disable();
  console.log(
    `${what}: answered ${res.status} ${body.trim()} in ${took.toFixed(0)} ms; longest event-loop stall ${(h.max / 1e6).toFixed(1)} ms; ` +
      `probe requests ${probes}, slowest ${probeMax.toFixed(1)} ms`,
  );
}

let redis: RedisProcess | null = null;
if (useRedis) redis = await startRedis();
const server = await startTestServer(redis === null ? {} : { redisUrl: redis.url });
try {
  if (USED > 0) {
    for (let i = 0; i < USED; i += 50_000) {
      await fill(server.url, `used-${i}`, Math.min(50_000, USED - i));
      await fetch(`${server.url}/q/used-${i}`, { method: 'DELETE' });
    }
  }
  await measure(server.url, 'idle second (noise floor)', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return fetch(`${server.url}/healthz`);
  });
  await fill(server.url, 'big', COUNT);
  await measure(server.url, `purge of ${COUNT} (${useRedis ? 'redis' : 'sqlite'})`, () => fetch(`${server.url}/q/big`, { method: 'DELETE' }));
  await fill(server.url, 'big', COUNT);
  await measure(server.url, `drop of ${COUNT} (${useRedis ? 'redis' : 'sqlite'})`, () => fetch(`${server.url}/q/big?drop=1`, { method: 'DELETE' }));
} finally {
  await server.stop();
  await redis?.stop();
}
