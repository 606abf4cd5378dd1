/**
 * Depth on SQLite: pop latency and server RSS with 1,000,000 messages queued, against a
 * queue that holds only what the run pops (it ends empty). Each queue has its own fresh
 * daemon and data dir, filled through the store directly (see fill.ts). Both pop the same
 * number of messages with the same concurrency, in alternating rounds, so a neighbour's
 * load on the shared machine falls on both sides alike.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startCliServer } from '../../test/support/cli-server.js';
import type { CliServer } from '../../test/support/cli-server.js';
import { fillSqliteQueue } from '../lib/fill.js';
import { describeHosts } from '../lib/host.js';
import { runLoad } from '../lib/load.js';
import type { LoadResult } from '../lib/load.js';
import { mib, queueLength } from '../lib/probe.js';
import type { BenchContext, BenchRow, BenchSuite } from '../lib/types.js';
import { PAYLOAD } from './http.js';

const QUEUE = 'bench-depth';
const DEPTH = 1_000_000;
const ROUNDS = 4;

interface Side {
  readonly label: string;
  readonly server: CliServer;
  readonly idleRss: number;
  readonly dbBytes: number;
  readonly rounds: LoadResult[];
}

async function prepare(ctx: BenchContext, label: string, queued: number): Promise<{ dataDir: string; dbBytes: number }> {
  const dataDir = ctx.tempDir(`depth-${label}`);
  const fillMs = await fillSqliteQueue(dataDir, QUEUE, queued, PAYLOAD);
  const dbBytes = statSync(join(dataDir, 'restmq.db')).size;
  ctx.log(`depth: ${label}: filled ${queued} in ${Math.round(fillMs)} ms (${mib(dbBytes)} MiB file)`);
  return { dataDir, dbBytes };
}

/** Count-weighted mean latency over rounds, ms. */
function meanLatency(rounds: readonly LoadResult[]): number {
  const n = rounds.reduce((sum, r) => sum + r.ok, 0);
  return n === 0 ? 0 : rounds.reduce((sum, r) => sum + r.mean * r.ok, 0) / n;
}

/** Pop latency and RSS at one million queued. */
export const sqliteDepthSuite: BenchSuite = {
  id: 'depth',
  description: 'pop latency and RSS with 1,000,000 queued vs a queue that ends empty (SQLite)',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const pops = ctx.quick ? 12_000 : 40_000;
    const perRound = pops / ROUNDS;
    const shallowFill = await prepare(ctx, 'empty', pops);
    const deepFill = await prepare(ctx, 'deep', DEPTH + pops);
    const sides: Side[] = [];
    try {
      for (const [label, fill] of [['empty', shallowFill], ['deep', deepFill]] as const) {
        const server = await startCliServer({ dataDir: fill.dataDir, sync: 'full' });
        sides.push({ label, server, idleRss: server.memory().rss, dbBytes: fill.dbBytes, rounds: [] });
      }
      const [shallow, deep] = sides as [Side, Side];
      for (let round = 0; round < ROUNDS; round++) {
        for (const side of [shallow, deep]) {
          // A fixed number of pops per round: autocannon (`amount`), which wrk cannot bound.
          const load = await runLoad({ url: `${side.server.url}/q/${QUEUE}`, connections: ctx.connections, amount: perRound, generator: 'autocannon', watch: [{ label: 'daemon', pid: side.server.pid }] });
          // The first round warms each process; it is measured but kept out of the figures.
          if (round > 0) side.rounds.push(load);
          ctx.log(`depth: ${side.label} round ${round + 1}: mean ${load.mean.toFixed(2)} ms, p99 ${load.p99} ms`);
          if (load.ok !== perRound || load.statuses['200'] !== perRound) {
            throw new Error(`depth ${side.label}: expected ${perRound} pops of 200, got ${JSON.stringify(load.statuses)}`);
          }
        }
      }
      const leftShallow = await queueLength(shallow.server.url, QUEUE);
      const leftDeep = await queueLength(deep.server.url, QUEUE);
      if (leftShallow !== 0 || leftDeep !== DEPTH) throw new Error(`depth: ${leftShallow} and ${leftDeep} left, expected 0 and ${DEPTH}`);
      const rssShallow = shallow.server.memory();
      const rssDeep = deep.server.memory();
      const p99 = (side: Side): number => Math.max(...side.rounds.map((r) => r.p99));
      const popsNote = `${(perRound * (ROUNDS - 1)).toLocaleString('en-US')} pops measured in ${ROUNDS - 1} alternating rounds after a warm-up round, ${ctx.connections} connections`;
      return [
        {
          suite: 'depth',
          name: 'pop mean latency, 1,000,000 queued',
          figure: meanLatency(deep.rounds),
          unit: 'ms',
          baselineName: 'pop mean, queue ending empty',
          baseline: meanLatency(shallow.rounds),
          target: { kind: 'ratio-at-most', value: 1.5 },
          note: `${popsNote}; autocannon; deep: ${describeHosts(deep.rounds.map((r) => r.host))}; ending empty: ${describeHosts(shallow.rounds.map((r) => r.host))}`,
        },
        {
          suite: 'depth',
          name: 'pop p99 latency, 1,000,000 queued',
          figure: p99(deep),
          unit: 'ms',
          baselineName: 'pop p99, queue ending empty',
          baseline: p99(shallow),
          target: { kind: 'ratio-at-most', value: 1.5 },
          note: 'worst round; autocannon reports whole ms',
        },
        {
          suite: 'depth',
          name: 'server RSS, 1,000,000 queued',
          figure: mib(rssDeep.rss),
          unit: 'MiB',
          baselineName: 'RSS, queue ending empty',
          baseline: mib(rssShallow.rss),
          target: { kind: 'figure-at-most', value: 300 },
          note: `after the pops; idle ${mib(deep.idleRss)} vs ${mib(shallow.idleRss)} MiB, peak ${mib(rssDeep.peakRss)} MiB; db file ${mib(deep.dbBytes)} MiB`,
        },
      ];
    } finally {
      for (const side of sides) await side.server.stop();
    }
  },
};
