/**
 * Depth on SQLite: pop latency and server RSS with 1,000,000 messages queued, against a
 * queue that holds only what the phase pops (it ends empty). Both daemons are fresh
 * processes on their own data dirs, filled through the store directly (see fill.ts), and
 * both phases pop the same number of messages with the same concurrency.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startCliServer } from '../../test/support/cli-server.js';
import { fillSqliteQueue } from '../lib/fill.js';
import { describeLoad, runLoad } from '../lib/load.js';
import type { LoadResult } from '../lib/load.js';
import { mib, queueLength } from '../lib/probe.js';
import type { BenchContext, BenchRow, BenchSuite } from '../lib/types.js';
import { PAYLOAD } from './sqlite-http.js';

const QUEUE = 'bench-depth';
const DEPTH = 1_000_000;

interface DepthRun {
  readonly load: LoadResult;
  readonly idleRss: number;
  readonly rss: number;
  readonly peakRss: number;
  readonly left: number;
  readonly dbBytes: number;
}

async function measure(ctx: BenchContext, label: string, queued: number, pops: number): Promise<DepthRun> {
  const dataDir = ctx.tempDir(`depth-${label}`);
  const fillMs = await fillSqliteQueue(dataDir, QUEUE, queued, PAYLOAD);
  const dbBytes = statSync(join(dataDir, 'restmq.db')).size;
  ctx.log(`depth: ${label}: filled ${queued} in ${Math.round(fillMs)} ms (${mib(dbBytes)} MiB file)`);
  const server = await startCliServer({ dataDir, sync: 'full' });
  try {
    const idleRss = server.memory().rss;
    // A short warm-up taken from the same queue, so both runs start with a warm process.
    const warm = Math.min(1000, Math.floor(pops / 10));
    await runLoad({ url: `${server.url}/q/${QUEUE}`, connections: ctx.connections, amount: warm });
    const load = await runLoad({ url: `${server.url}/q/${QUEUE}`, connections: ctx.connections, amount: pops - warm });
    const left = await queueLength(server.url, QUEUE);
    const { rss, peakRss } = server.memory();
    ctx.log(`depth: ${label}: ${Math.round(load.rps)} pops/s, ${describeLoad(load)}, RSS ${mib(rss)} MiB, ${left} left`);
    return { load, idleRss, rss, peakRss, left, dbBytes };
  } finally {
    await server.stop();
  }
}

/** Pop latency and RSS at one million queued. */
export const sqliteDepthSuite: BenchSuite = {
  id: 'depth',
  description: 'pop latency and RSS with 1,000,000 queued vs a queue that ends empty (SQLite)',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const pops = ctx.quick ? 10_000 : 40_000;
    const shallow = await measure(ctx, 'empty', pops, pops);
    const deep = await measure(ctx, 'deep', DEPTH + pops, pops);
    const sanity = (run: DepthRun, expectedLeft: number): string =>
      run.left === expectedLeft && run.load.ok === run.load.statuses['200'] ? '' : ` CHECK: ${run.left} left, statuses ${JSON.stringify(run.load.statuses)}`;
    const popsNote = `${pops.toLocaleString('en-US')} pops, ${ctx.connections} connections`;
    return [
      {
        suite: 'depth',
        name: 'pop mean latency, 1,000,000 queued',
        figure: deep.load.mean,
        unit: 'ms',
        baselineName: 'pop mean, queue ending empty',
        baseline: shallow.load.mean,
        target: { kind: 'ratio-at-most', value: 1.5 },
        note: `${popsNote}; p50 ${deep.load.p50} vs ${shallow.load.p50} ms (autocannon rounds to whole ms); ${Math.round(deep.load.rps)} vs ${Math.round(shallow.load.rps)} pops/s${sanity(deep, DEPTH)}${sanity(shallow, 0)}`,
      },
      {
        suite: 'depth',
        name: 'pop p99 latency, 1,000,000 queued',
        figure: deep.load.p99,
        unit: 'ms',
        baselineName: 'pop p99, queue ending empty',
        baseline: shallow.load.p99,
        target: { kind: 'ratio-at-most', value: 1.5 },
        note: popsNote,
      },
      {
        suite: 'depth',
        name: 'server RSS, 1,000,000 queued',
        figure: mib(deep.rss),
        unit: 'MiB',
        baselineName: 'RSS, queue ending empty',
        baseline: mib(shallow.rss),
        target: { kind: 'figure-at-most', value: 300 },
        note: `after the pops; idle ${mib(deep.idleRss)} vs ${mib(shallow.idleRss)} MiB, peak ${mib(deep.peakRss)} MiB; db file ${mib(deep.dbBytes)} MiB`,
      },
    ];
  },
};
