/**
 * A quick Redis measurement (the broader suite lives in bench/run.ts): throughput of
 * POST /q/<queue> and GET /q/<queue> on the Redis store against GET /healthz of the same
 * daemon, and Redis commands per publish and per pop from INFO commandstats.
 *
 *   npm run build && npx tsx bench/redis-quick.ts [--seconds 10] [--connections 50]
 *
 * It starts its own redis-server (no persistence) on a free port and one daemon from the
 * built CLI (bin/restmq → dist/), both on 127.0.0.1, and stops them at the end.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at < 0 ? undefined : Number(process.argv[at + 1]);
  return value === undefined || !Number.isFinite(value) ? fallback : value;
}

const SECONDS = arg('seconds', 10);
const CONNECTIONS = arg('connections', 50);
const SEQUENTIAL_OPS = 1000;
const QUEUE = 'bench';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Calls per command name, from INFO commandstats. */
async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const text = await redis.info('commandstats');
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1] ?? '', Number(m[2]));
  return out;
}

function diff(before: Map<string, number>, after: Map<string, number>, ops: number, ignore: readonly string[]): string {
  const rows: string[] = [];
  let total = 0;
  for (const [name, calls] of after) {
    if (ignore.includes(name)) continue;
    const d = calls - (before.get(name) ?? 0);
    if (d <= 0) continue;
    total += d;
    rows.push(`${name}=${(d / ops).toFixed(3)}`);
  }
  return `${(total / ops).toFixed(2)} commands/op (${rows.sort().join(', ')})`;
}

async function cannon(title: string, opts: autocannon.Options): Promise<autocannon.Result> {
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts });
  const non2xx = result.non2xx;
  console.log(`${title.padEnd(22)} ${result.requests.average.toFixed(0).padStart(7)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  errors ${result.errors}  non-2xx ${non2xx}`);
  return result;
}

async function main(): Promise<void> {
  const redisPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'restmq-bench-redis-'));
  const children: ChildProcess[] = [];
  const redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  children.push(redisServer);
  const redis = new Redis({ port: redisPort, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => undefined); // refused until redis-server listens; `until` retries
  try {
    await until('redis', async () => {
      if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
      return (await redis.ping()) === 'PONG';
    });
    const httpPort = await freePort();
    const bin = fileURLToPath(new URL('../bin/restmq', import.meta.url));
    const daemon = spawn(process.execPath, [bin, 'serve', '--port', String(httpPort), '--redis', `redis://127.0.0.1:${redisPort}`, '--log-level', 'warn'], { stdio: 'inherit' });
    children.push(daemon);
    const url = `http://127.0.0.1:${httpPort}`;
    await until('daemon', async () => (await fetch(`${url}/readyz`)).status === 200);

    // Commands per operation, one request at a time (no batching possible).
    const ignore = ['info', 'ping', 'client|setname', 'client', 'select', 'info|', 'hello'];
    let before = await commandStats(redis);
    for (let i = 0; i < SEQUENTIAL_OPS; i++) {
      const res = await fetch(`${url}/q/${QUEUE}-seq`, { method: 'POST', body: new URLSearchParams({ value: `m${i}` }) });
      await res.text();
    }
    let after = await commandStats(redis);
    console.log(`sequential publish: ${diff(before, after, SEQUENTIAL_OPS, ignore)}`);
    before = after;
    for (let i = 0; i < SEQUENTIAL_OPS; i++) await (await fetch(`${url}/q/${QUEUE}-seq`)).text();
    after = await commandStats(redis);
    console.log(`sequential pop:     ${diff(before, after, SEQUENTIAL_OPS, ignore)}`);

    console.log(`\n${SECONDS} s per run, ${CONNECTIONS} connections, one daemon, redis-server without persistence:`);
    const hello = await cannon('GET /healthz', { url: `${url}/healthz` });
    before = await commandStats(redis);
    const post = await cannon('POST /q/bench', {
      url: `${url}/q/${QUEUE}`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'value=hello%20world',
    });
    after = await commandStats(redis);
    console.log(`  under load: ${diff(before, after, post.requests.total, ignore)}`);
    const stored = await redis.zcard(`restmq:{${QUEUE}}:ready`);
    before = after;
    const pop = await cannon('GET /q/bench (pop)', { url: `${url}/q/${QUEUE}` });
    after = await commandStats(redis);
    console.log(`  under load: ${diff(before, after, pop.requests.total, ignore)}`);
    const left = await redis.zcard(`restmq:{${QUEUE}}:ready`);
    console.log(`  ${stored} messages before the pop run, ${left} after: ${stored - left} pops returned a message (${((stored - left) / SECONDS).toFixed(0)}/s)`);
    if (left === 0) console.log('  the queue ran empty during the pop run: later pops answered 204, which flatters the pop figure');
    console.log(`\nPOST = ${(post.requests.average / hello.requests.average).toFixed(2)}x hello, GET pop = ${(pop.requests.average / hello.requests.average).toFixed(2)}x hello`);
  } finally {
    redis.disconnect();
    for (const child of children.reverse()) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
