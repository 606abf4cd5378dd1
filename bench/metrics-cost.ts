/**
 * Item: the cost of a `/metrics` scrape with many queues. Creates `--queues` queues (each
 * with `--depth` messages, through the store so the fill is quick), then scrapes
 * `/metrics` `--scrapes` times one after another and prints the median, p95 and largest
 * answer time, the answer's size, and the same for `/stats/` as a yardstick (both read
 * every queue's stats, one store call per queue), with the longest event-loop stall.
 *
 *   npx tsx bench/metrics-cost.ts [--redis] [--queues 1000] [--depth 10] [--scrapes 30]
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
const QUEUES = flag('queues', 1000);
const DEPTH = flag('depth', 10);
const SCRAPES = flag('scrapes', 30);
const useRedis = args.includes('--redis');

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

async function time(url: string): Promise<{ ms: number[]; bytes: number }> {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < SCRAPES; i++) {
    const start = performance.now();
    const res = await fetch(url);
    const text = await res.text();
    ms.push(performance.now() - start);
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 200)}`);
    bytes = Buffer.byteLength(text);
  }
  return { ms: ms.sort((a, b) => a - b), bytes };
}

async function main(): Promise<void> {
  let redis: RedisProcess | null = null;
  if (useRedis) redis = await startRedis();
  const server = await startTestServer(redis === null ? {} : { redisUrl: redis.url });
  try {
    const now = Date.now();
    const messages = Array.from({ length: DEPTH }, (_, i) => ({ value: `message ${i}` }));
    for (let q = 0; q < QUEUES; q += 100) {
      await Promise.all(Array.from({ length: Math.min(100, QUEUES - q) }, (_, i) => server.store.messages.publish(`bench.q${q + i}`, messages, now)));
    }
    await time(`${server.url}/metrics`); // warm-up
    for (const path of ['/metrics', '/stats/']) {
      // The daemon runs in this process: its longest event-loop stall during the scrapes.
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      const { ms, bytes } = await time(`${server.url}${path}`);
      loop.disable();
      const line = `${server.store.kind} ${path} queues=${QUEUES} depth=${DEPTH} scrapes=${SCRAPES}: median ${percentile(ms, 0.5).toFixed(1)} ms, p95 ${percentile(ms, 0.95).toFixed(1)} ms, max ${(ms.at(-1) ?? 0).toFixed(1)} ms, ${bytes} bytes, longest event-loop stall ${(loop.max / 1e6).toFixed(1)} ms`;
      console.log(line);
    }
  } finally {
    await server.stop();
    await redis?.stop();
  }
}

await main();
