/**
 * `npx tsx bench/sqs-cost.ts [--seconds N] [--repeats R] [--profile]`: the SQS SendMessage
 * path's cost beside `POST /q` on one SQLite daemon (`--sync full`), the measure used to
 * decide its optimisations on a shared machine. The two phases alternate R times; the
 * answer is the median req/s and the median daemon CPU µs per 2xx answer of each, and
 * their ratio. With `--profile` the daemon runs under `node --cpu-prof` and a summary of
 * where its CPU went follows (the profiler slows it: read shares, not figures). `--only
 * SendMessage` runs that phase alone (for its profile).
 */
import { arg } from './lib/args.js';
import { median } from './lib/stats.js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCliServer } from '../test/support/cli-server.js';
import { cpuSeconds } from './lib/host.js';
import { runLoad } from './lib/load.js';
import type { LoadSpec } from './lib/load.js';
import { renderProfile } from './lib/profile.js';
import { ensureWrk } from './lib/wrk.js';
import { PAYLOAD } from './suites/http.js';

const JSON_TYPE = 'application/x-amz-json-1.0';

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '3'));
  const repeats = Number(arg('repeats', '3'));
  const profile = process.argv.includes('--profile');
  ensureWrk((message) => process.stderr.write(`[sqs-cost] ${message}\n`));
  const root = mkdtempSync(join(tmpdir(), 'restmq-sqs-cost-'));
  const profiles = join(root, 'profiles');
  try {
    const server = await startCliServer({ dataDir: join(root, 'data'), sync: 'full', nodeArgs: profile ? ['--cpu-prof', '--cpu-prof-dir', profiles, ...(process.env.SQS_COST_NODE_ARGS ?? '').split(' ').filter(Boolean)] : [] });
    const rows: Record<string, { rps: number[]; us: number[] }> = { 'POST /q': { rps: [], us: [] }, SendMessage: { rps: [], us: [] } };
    try {
      const created = await fetch(`${server.url}/`, { method: 'POST', headers: { 'content-type': JSON_TYPE, 'x-amz-target': 'AmazonSQS.CreateQueue' }, body: JSON.stringify({ QueueName: 'cost-sqs' }) });
      const { QueueUrl } = (await created.json()) as { QueueUrl: string };
      const specs: Record<string, LoadSpec> = {
        'POST /q': { url: `${server.url}/q/cost-sqs`, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `value=${PAYLOAD}`, connections: 50, seconds },
        SendMessage: { url: `${server.url}/`, method: 'POST', headers: { 'content-type': JSON_TYPE, 'x-amz-target': 'AmazonSQS.SendMessage' }, body: JSON.stringify({ QueueUrl, MessageBody: PAYLOAD }), connections: 50, seconds },
      };
      // `--only SendMessage` (or `POST /q`) measures, and profiles, that phase alone.
      const only = arg('only', '');
      if (only !== '') for (const label of Object.keys(specs)) if (label !== only) delete specs[label];
      for (const spec of Object.values(specs)) await runLoad({ ...spec, seconds: 1 });
      for (let r = 0; r < repeats; r++) {
        for (const [label, spec] of Object.entries(specs)) {
          const before = cpuSeconds(server.pid) ?? 0;
          const result = await runLoad(spec);
          const used = (cpuSeconds(server.pid) ?? 0) - before;
          if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
          rows[label]?.rps.push(result.rps);
          rows[label]?.us.push((used * 1e6) / result.ok);
          process.stderr.write(`[sqs-cost] ${label}: ${Math.round(result.rps)} req/s, ${Math.round((used * 1e6) / result.ok)} µs CPU per request\n`);
        }
      }
    } finally {
      await server.stop();
    }
    const post = rows['POST /q'] as { rps: number[]; us: number[] };
    const send = rows.SendMessage as { rps: number[]; us: number[] };
    for (const [label, row] of Object.entries(rows)) {
      process.stdout.write(`${label}: median ${Math.round(median(row.rps))} req/s (${row.rps.map(Math.round).join(', ')}), median ${Math.round(median(row.us))} µs daemon CPU per request (${row.us.map(Math.round).join(', ')})\n`);
    }
    if (post.rps.length > 0 && send.rps.length > 0) process.stdout.write(`SendMessage / POST /q: ${(median(send.rps) / median(post.rps)).toFixed(2)}× req/s, ${(median(send.us) / median(post.us)).toFixed(2)}× CPU per request\n`);
    if (profile) {
      for (const file of readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile'))) process.stdout.write(`\n${renderProfile(join(profiles, file))}\n`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`sqs-cost failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
