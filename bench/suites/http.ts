/**
 * Single-message publish and pop over HTTP on one store, each beside the same process's
 * `/healthz` (a hello-world route through the same fastify hooks). The baseline is
 * measured before and after the message rows and averaged, so a neighbour's load on the
 * shared machine shows up as a spread in the note, not as a skew. On Redis the suite also
 * measures raw Redis (`redis-benchmark` LPUSH and RPOP, with and without pipelining) on the
 * redis-server the daemon uses, and counts the Redis commands each route costs.
 */
import { commandStats, commandsPerOp, runRedisBenchmark } from '../lib/redis-benchmark.js';
import type { RedisBenchmarkResult } from '../lib/redis-benchmark.js';
import { describeLoad, runLoad } from '../lib/load.js';
import type { LoadResult, LoadSpec } from '../lib/load.js';
import { mib, queueLength } from '../lib/probe.js';
import type { StoreServer, StoreUnderTest } from '../lib/stores.js';
import type { BenchContext, BenchRow, BenchSuite } from '../lib/types.js';

/** The value every benchmark publishes: 64 bytes, a typical small job. */
export const PAYLOAD = 'x'.repeat(64);

/** The queue the publish phase fills. */
export const PUBLISH_QUEUE = 'bench-publish';
/** The queue the pop phase drains; pre-filled before the daemon starts. */
export const POP_QUEUE = 'bench-pop';
/** Pipeline depth of the pipelined redis-benchmark baseline. */
export const REDIS_PIPELINE = 16;

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

/** `redis-benchmark` LPUSH/RPOP with and without pipelining on the daemon's redis-server, as rows beside `/healthz`. */
function redisBaselines(ctx: BenchContext, id: string, baselineName: string, baseline: number, plain: RedisBenchmarkResult, piped: RedisBenchmarkResult): BenchRow[] {
  const row = (name: string, figure: number, note: string): BenchRow => ({ suite: id, name, figure, unit: 'req/s', baselineName, baseline, note });
  return [
    row('baseline redis-benchmark LPUSH', plain.lpush, `-c ${ctx.connections} -q, no pipelining; raw Redis on the daemon's redis-server, no HTTP`),
    row('baseline redis-benchmark RPOP', plain.rpop, `-c ${ctx.connections} -q, no pipelining`),
    row(`baseline redis-benchmark LPUSH -P ${REDIS_PIPELINE}`, piped.lpush, `-c ${ctx.connections} -P ${REDIS_PIPELINE} -q; the denominator of the Redis batch-publish target`),
    row(`baseline redis-benchmark RPOP -P ${REDIS_PIPELINE}`, piped.rpop, `-c ${ctx.connections} -P ${REDIS_PIPELINE} -q`),
  ];
}

/** Commands per publish and per pop, one request at a time (nothing to share a script call with). */
async function sequentialCommands(server: StoreServer, port: number, ops: number): Promise<{ publish: string; pop: string }> {
  const queue = 'bench-sequential';
  let before = await commandStats(port);
  for (let i = 0; i < ops; i++) {
    const res = await fetch(`${server.url}/q/${queue}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `value=${PAYLOAD}` });
    await res.arrayBuffer();
  }
  let after = await commandStats(port);
  const publish = commandsPerOp(before, after, ops);
  before = after;
  for (let i = 0; i < ops; i++) await (await fetch(`${server.url}/q/${queue}`)).arrayBuffer();
  after = await commandStats(port);
  return { publish, pop: commandsPerOp(before, after, ops) };
}

/** Publish and pop on `store` against /healthz; the suite id is the store's name. */
export function httpSuite(store: StoreUnderTest): BenchSuite {
  const id = store.name;
  return {
    id,
    description: `publish and pop over HTTP, ${store.name} store, ${store.settings}`,
    async run(ctx: BenchContext): Promise<BenchRow[]> {
      // Enough for the pop phase at well above any rate seen on the reference machine.
      const prefill = ctx.quick ? 150_000 : 600_000;
      const started = performance.now();
      const server = await store.start(ctx, id, [{ queue: POP_QUEUE, count: prefill, value: PAYLOAD }]);
      ctx.log(`${id}: pre-filled ${prefill} messages and started in ${Math.round(performance.now() - started)} ms`);
      try {
        const phase = async (label: string, spec: LoadSpec): Promise<LoadResult> => {
          ctx.log(`${id}: ${label} ...`);
          const r = await runLoad({ ...spec, watch: server.processes });
          ctx.log(`${id}: ${label}: ${Math.round(r.rps)} req/s, ${describeLoad(r)}`);
          return r;
        };
        const { healthz: health, publish, pop } = routeLoads(server.url, ctx.connections, ctx.seconds);
        const port = server.redisPort;
        let raw: { plain: RedisBenchmarkResult; piped: RedisBenchmarkResult } | null = null;
        let sequential: { publish: string; pop: string } | null = null;
        if (port !== null) {
          ctx.log(`${id}: redis-benchmark LPUSH/RPOP ...`);
          const plain = await runRedisBenchmark({ port, requests: ctx.quick ? 50_000 : 200_000, clients: ctx.connections, pipeline: 1 });
          const piped = await runRedisBenchmark({ port, requests: ctx.quick ? 500_000 : 2_000_000, clients: ctx.connections, pipeline: REDIS_PIPELINE });
          raw = { plain, piped };
          ctx.log(`${id}: redis-benchmark LPUSH ${Math.round(plain.lpush)}, RPOP ${Math.round(plain.rpop)}, pipelined ${Math.round(piped.lpush)} / ${Math.round(piped.rpop)} req/s`);
          sequential = await sequentialCommands(server, port, 200);
        }

        await phase('warm-up', { ...health, seconds: ctx.quick ? 1 : 3 });
        const warmPublish = await phase('warm-up publish', { ...publish, seconds: 1 });
        const before = await phase('baseline GET /healthz (1)', health);
        const statsBefore = port === null ? null : await commandStats(port);
        const pub = await phase('publish', publish);
        const statsMiddle = port === null ? null : await commandStats(port);
        const popped = await phase('pop', pop);
        const statsAfter = port === null ? null : await commandStats(port);
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
        const underLoad = (a: Map<string, number> | null, b: Map<string, number> | null, ops: number): string => (a === null || b === null ? '' : `; under load ${commandsPerOp(a, b, ops)}`);
        const oneByOne = (text: string | undefined): string => (text === undefined ? '' : `; one at a time ${text}`);
        return [
          {
            suite: id,
            name: 'baseline GET /healthz',
            figure: baseline,
            unit: 'req/s',
            baselineName,
            baseline,
            note: `${spread}; (1) ${describeLoad(before)}; (2) ${describeLoad(after)}`,
          },
          ...(raw === null ? [] : redisBaselines(ctx, id, baselineName, baseline, raw.plain, raw.piped)),
          {
            suite: id,
            name: 'publish POST /q (form, 64 B)',
            figure: pub.rps,
            unit: 'req/s',
            baselineName,
            baseline,
            target: { kind: 'ratio-at-least', value: 0.6 },
            note: `${describeLoad(pub)}; all ${acked} acknowledged publishes in the queue${underLoad(statsBefore, statsMiddle, pub.ok)}${oneByOne(sequential?.publish)}`,
          },
          {
            suite: id,
            name: `pop GET /q (${prefill.toLocaleString('en-US')} pre-filled)`,
            figure: popped.rps,
            unit: 'req/s',
            baselineName,
            baseline,
            target: { kind: 'ratio-at-least', value: 0.6 },
            note: `${describeLoad(popped)}; ${popNote}; server RSS ${rss} MiB${underLoad(statsMiddle, statsAfter, popped.ok)}${oneByOne(sequential?.pop)}`,
          },
        ];
      } finally {
        await server.stop();
      }
    },
  };
}
