/**
 * Quick reliable-delivery benchmark on the SQLite store: leased receive + ack throughput,
 * and long-poll wake-up latency, each beside a baseline measured in the same run (GET
 * /healthz with the same client). The daemon runs in its own process; throughput is driven
 * by autocannon (a lease request, then the ack of what it answered, per connection), the
 * wake-up latency by fetch. Short by design: the machine is shared.
 *
 *   npx tsx bench/reliable-quick.ts [--seconds 5] [--concurrency 32] [--sync full|normal]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import type { Options, Result } from 'autocannon';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const SECONDS = Number(option('seconds', '5'));
const CONCURRENCY = Number(option('concurrency', '32'));
const SYNC = option('sync', 'full');
const WAKE_ROUNDS = Number(option('wake-rounds', '50'));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function cannon(options: Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (err, result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)));
  });
}

interface LeaseContext {
  key?: string;
  receipt?: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'restmq-bench-'));
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    // The CLI from source (no build needed); argv after -e starts at process.argv[1].
    ['--import', 'tsx', '--input-type=module', '-e', "await (await import('./src/cli/main.ts')).main(process.argv.slice(1))", 'serve', '--port', String(port), '--data-dir', dataDir, '--sync', SYNC, '--log-level', 'warn'],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`the daemon exited with ${child.exitCode}`);
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch {
        if (i > 200) throw new Error('the daemon did not start');
      }
      await sleep(50);
    }

    const baselineRun = await cannon({ url: `${base}/healthz`, connections: CONCURRENCY, duration: SECONDS });
    const baseline = baselineRun.requests.average;

    const queue = 'bench-lease';
    const batch = JSON.stringify(Array.from({ length: 1000 }, (_, i) => `message ${i}`));
    const target = Math.ceil((baseline * SECONDS) / 1000) + 5;
    for (let i = 0; i < target; i++) {
      await fetch(`${base}/q/${queue}/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: batch });
    }
    const leaseRun = await cannon({
      url: base,
      connections: CONCURRENCY,
      duration: SECONDS,
      requests: [
        {
          method: 'GET',
          path: `/q/${queue}?lease=60`,
          onResponse: (status, body, context) => {
            const ctx = context as LeaseContext;
            const leased = status === 200 ? (JSON.parse(body) as LeaseContext) : {};
            ctx.key = leased.key;
            ctx.receipt = leased.receipt;
          },
        },
        {
          method: 'DELETE',
          setupRequest: (request, context) => {
            const ctx = context as LeaseContext;
            return { ...request, path: `/q/${queue}/${ctx.key ?? `${queue}:0`}?receipt=${ctx.receipt ?? 'missing-receipt'}` };
          },
        },
      ],
    });
    const leaseAck = leaseRun.requests.average / 2;
    const empty = leaseRun.non2xx;

    const wake: number[] = [];
    const publishRtt: number[] = [];
    for (let i = 0; i < WAKE_ROUNDS; i++) {
      const q = `bench-wake-${i}`;
      const poll = fetch(`${base}/q/${q}?wait=20&lease=30`).then((r) => ({ at: performance.now(), status: r.status }));
      await sleep(20); // let the poll park (a benchmark, not a test)
      const sent = performance.now();
      const pub = await fetch(`${base}/q/${q}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'value=ping' });
      await pub.arrayBuffer();
      publishRtt.push(performance.now() - sent);
      const answered = await poll;
      if (answered.status !== 200) throw new Error(`poll answered ${answered.status}`);
      wake.push(answered.at - sent);
    }
    wake.sort((a, b) => a - b);
    publishRtt.sort((a, b) => a - b);

    const result = {
      store: 'sqlite',
      sync: SYNC,
      seconds: SECONDS,
      concurrency: CONCURRENCY,
      client: 'autocannon (throughput), fetch (wake-up)',
      baseline_healthz_rps: Math.round(baseline),
      lease_ack_pairs_per_s: Math.round(leaseAck),
      lease_ack_requests_per_s: Math.round(leaseAck * 2),
      lease_ack_vs_baseline: Number(((leaseAck * 2) / baseline).toFixed(2)),
      non_2xx_during_lease_ack: empty,
      long_poll_wake_ms: { p50: +percentile(wake, 50).toFixed(2), p99: +percentile(wake, 99).toFixed(2), max: +(wake.at(-1) ?? NaN).toFixed(2) },
      publish_rtt_ms: { p50: +percentile(publishRtt, 50).toFixed(2), p99: +percentile(publishRtt, 99).toFixed(2) },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
