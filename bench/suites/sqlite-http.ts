/**
 * RestMQ routes on the SQLite store with `--sync full`: single-message publish and pop,
 * each beside the same process's `/healthz` (a hello-world route through the same fastify
 * hooks). The baseline is measured before and after the message rows and averaged, so a
 * neighbour's load on the shared machine shows up as a spread in the note, not as a skew.
 */
import { startCliServer } from '../../test/support/cli-server.js';
import { fillSqliteQueue } from '../lib/fill.js';
import { describeLoad, runLoad } from '../lib/load.js';
import type { LoadResult, LoadSpec } from '../lib/load.js';
import { mib, queueLength } from '../lib/probe.js';
import type { BenchContext, BenchRow, BenchSuite } from '../lib/types.js';

/** The value every benchmark publishes: 64 bytes, a typical small job. */
export const PAYLOAD = 'x'.repeat(64);

const PUBLISH_QUEUE = 'bench-publish';
/** The queue the pop phase drains; pre-filled before the daemon starts. */
export const POP_QUEUE = 'bench-pop';

/** The three load phases of this suite against a daemon at `url`. */
export function routeLoads(url: string, connections: number, seconds: number): Record<'healthz' | 'publish' | 'pop', LoadSpec> {
  return {
    healthz: { connections, seconds, url: `${url}/healthz` },
    publish: {
      connections,
      seconds,
      url: `${url}/q/${PUBLISH_QUEUE}`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `value=${PAYLOAD}`,
    },
    pop: { connections, seconds, url: `${url}/q/${POP_QUEUE}` },
  };
}

/** Publish and pop on SQLite against /healthz. */
export const sqliteHttpSuite: BenchSuite = {
  id: 'sqlite',
  description: 'publish and pop over HTTP, SQLite store, --sync full',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const dataDir = ctx.tempDir('sqlite');
    // Enough for the pop phase at well above any rate seen on the reference machine.
    const prefill = ctx.quick ? 150_000 : 600_000;
    const fillMs = await fillSqliteQueue(dataDir, POP_QUEUE, prefill, PAYLOAD);
    ctx.log(`sqlite: pre-filled ${prefill} messages in ${Math.round(fillMs)} ms`);
    const server = await startCliServer({ dataDir, sync: 'full' });
    try {
      const phase = async (label: string, spec: LoadSpec): Promise<LoadResult> => {
        ctx.log(`sqlite: ${label} ...`);
        const r = await runLoad(spec);
        ctx.log(`sqlite: ${label}: ${Math.round(r.rps)} req/s, ${describeLoad(r)}`);
        return r;
      };
      const { healthz: health, publish, pop } = routeLoads(server.url, ctx.connections, ctx.seconds);

      await phase('warm-up', { ...health, seconds: ctx.quick ? 1 : 3 });
      const warmPublish = await phase('warm-up publish', { ...publish, seconds: 1 });
      const before = await phase('baseline GET /healthz (1)', health);
      const pub = await phase('publish', publish);
      const popped = await phase('pop', pop);
      const after = await phase('baseline GET /healthz (2)', health);
      const left = await queueLength(server.url, POP_QUEUE);
      // Every acknowledged publish must be in the queue: a 2xx that stored nothing would flatter
      // the row. Requests still in flight when a phase ends (one per connection) may add more.
      const acked = warmPublish.ok + pub.ok;
      const stored = await queueLength(server.url, PUBLISH_QUEUE);
      if (stored < acked || stored > acked + 2 * ctx.connections) throw new Error(`${acked} publishes acknowledged but ${stored} stored`);
      const rss = mib(server.memory().rss);

      const baseline = (before.rps + after.rps) / 2;
      const baselineName = 'GET /healthz req/s';
      const spread = `runs ${Math.round(before.rps)} and ${Math.round(after.rps)} req/s`;
      const popNote = left > 0 && popped.statuses['204'] === undefined ? `${left} still queued after the run` : 'QUEUE RAN DRY: figure invalid';
      return [
        {
          suite: 'sqlite',
          name: 'baseline GET /healthz',
          figure: baseline,
          unit: 'req/s',
          baselineName,
          baseline,
          note: `${spread}; ${describeLoad(before)}`,
        },
        {
          suite: 'sqlite',
          name: 'publish POST /q (form, 64 B)',
          figure: pub.rps,
          unit: 'req/s',
          baselineName,
          baseline,
          target: { kind: 'ratio-at-least', value: 0.6 },
          note: `${describeLoad(pub)}; all ${acked} acknowledged publishes in the queue`,
        },
        {
          suite: 'sqlite',
          name: `pop GET /q (${prefill.toLocaleString('en-US')} pre-filled)`,
          figure: popped.rps,
          unit: 'req/s',
          baselineName,
          baseline,
          target: { kind: 'ratio-at-least', value: 0.6 },
          note: `${describeLoad(popped)}; ${popNote}; server RSS ${rss} MiB`,
        },
      ];
    } finally {
      await server.stop();
    }
  },
};
