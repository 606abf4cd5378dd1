/**
 * Item: the cost of the dashboard's live updates with many queues. Creates `--queues`
 * queues (each with a few messages) and measures: the CPU time of one sampler update (the
 * one `allStats` and the rows, shared by every open dashboard), timed inside the process;
 * the server process's CPU time per update with one dashboard stream connected (over
 * `--updates` updates, minus the same wall time with none: noisier, includes HTTP); and
 * the bytes of the snapshot, of an update when nothing changed, and of an update when
 * every queue changed (one publish to each between updates). The stream is read in this
 * process too, but only counted, never parsed.
 *
 *   npx tsx bench/dashboard-cost.ts [--redis] [--queues 1000] [--updates 30] [--interval 500]
 */
import { startRedis } from '../test/support/redis.js';
import type { RedisProcess } from '../test/support/redis.js';
import { startTestServer } from '../test/support/server.js';
import { ConsumerRegistry } from '../src/dashboard/consumers.js';
import { StatsSampler } from '../src/dashboard/sampler.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const QUEUES = flag('queues', 1000);
const UPDATES = flag('updates', 30);
const INTERVAL = flag('interval', 500);
const useRedis = args.includes('--redis');

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let redis: RedisProcess | null = null;
if (useRedis) redis = await startRedis();
const server = await startTestServer({ dashboardIntervalMs: INTERVAL, ...(redis === null ? {} : { redisUrl: redis.url }) });
try {
  const names = Array.from({ length: QUEUES }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
  for (const q of names) await server.broker.publishBatch(q, [1, 2, 3].map((n) => ({ value: `m${n}`, ttlSeconds: null })));

  // The sampler alone: CPU from the end of one update to the end of the next, minus nothing
  // (the process does nothing else meanwhile), over UPDATES updates.
  const consumers = new ConsumerRegistry();
  const sampler = new StatsSampler({ allStats: () => server.broker.allStats(), consumers: (q) => consumers.counts(q, 0), intervalMs: 100 });
  const tickCpu: number[] = [];
  let mark = process.cpuUsage();
  const stopWatching = sampler.watch(() => {
    const used = process.cpuUsage(mark);
    mark = process.cpuUsage();
    tickCpu.push((used.user + used.system) / 1000);
  });
  while (tickCpu.length < UPDATES + 1) await sleep(20);
  stopWatching();
  sampler.close();
  const samplerCpu = tickCpu.slice(1).sort((a, b) => a - b);

  // Baseline: the same wall time with no dashboard open (the sampler then only takes chart points).
  await sleep(INTERVAL * 2);
  const idleStart = cpuMs();
  await sleep(INTERVAL * UPDATES);
  const idleCpu = cpuMs() - idleStart;

  const events: { name: string; bytes: number }[] = [];
  const abort = new AbortController();
  const response = await fetch(`${server.url}/dashboard/api/stats`, { signal: abort.signal });
  const reading = (async () => {
    let buffer = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body ?? []) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end + 2);
          buffer = buffer.slice(end + 2);
          const name = /^event: (\w+)/.exec(block)?.[1];
          if (name !== undefined) events.push({ name, bytes: Buffer.byteLength(block) });
        }
      }
    } catch {
      // aborted at the end
    }
  })();
  while (events.length < 2) await sleep(10);
  const snapshot = events.find((e) => e.name === 'snapshot')?.bytes ?? 0;
  const before = events.length;
  const liveStart = cpuMs();
  while (events.length < before + UPDATES) await sleep(5);
  const liveCpu = cpuMs() - liveStart;
  const idleUpdates = events.slice(before).map((e) => e.bytes);

  // Every queue changes between two updates.
  const changed: number[] = [];
  for (let round = 0; round < 5; round++) {
    const mark = events.length;
    while (events.length === mark) await sleep(2);
    await Promise.all(names.map((q) => server.broker.publish(q, { value: 'x', ttlSeconds: null })));
    const after = events.length;
    while (events.length === after) await sleep(2);
    changed.push(events[after]?.bytes ?? 0);
  }
  abort.abort();
  await reading;

  const perUpdate = (liveCpu - idleCpu) / UPDATES;
  console.log(`store ${server.store.kind}, ${QUEUES} queues, one dashboard, an update every ${INTERVAL} ms`);
  console.log(`sampler CPU per update (shared by every dashboard): median ${samplerCpu[samplerCpu.length >> 1]?.toFixed(1)} ms, p90 ${samplerCpu[Math.floor(samplerCpu.length * 0.9)]?.toFixed(1)} ms`);
  console.log(`CPU per update (server process, minus idle): ${perUpdate.toFixed(2)} ms (connected ${(liveCpu / UPDATES).toFixed(2)} ms per interval, idle ${(idleCpu / UPDATES).toFixed(2)} ms)`);
  console.log(`snapshot: ${snapshot} bytes (${(snapshot / QUEUES).toFixed(0)} per queue)`);
  console.log(`update, nothing changed: ${Math.max(...idleUpdates)} bytes`);
  console.log(`update, every queue changed: ${Math.max(...changed)} bytes (${(Math.max(...changed) / QUEUES).toFixed(0)} per queue)`);
} finally {
  await server.stop();
  await redis?.stop();
}
