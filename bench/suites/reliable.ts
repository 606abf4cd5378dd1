/**
 * Reliable delivery on one store (SQLite `--sync full`, Redis): batch publish and batch receive in messages
 * per second, leased receive + ack per message, and the long-poll wake-up latency. The
 * throughput rows stand beside the same daemon's `/healthz` (measured before and after
 * and averaged); the wake-up latency beside the round trip of the publishes that caused
 * it, so a slow machine slows both sides alike. On Redis the batch-publish target is 0.3× the
 * pipelined `redis-benchmark` LPUSH rate of the daemon's own redis-server, measured first.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describeLoad, runLoad } from '../lib/load.js';
import type { LoadResult, LoadSpec } from '../lib/load.js';
import { queueLength } from '../lib/probe.js';
import { runRedisBenchmark } from '../lib/redis-benchmark.js';
import type { StoreUnderTest } from '../lib/stores.js';
import { percentile } from '../lib/stats.js';
import type { BenchContext, BenchRow, BenchSuite } from '../lib/types.js';
import { PAYLOAD, REDIS_PIPELINE } from './http.js';
import { batchAckLoad, LEASE_BATCH, wsLeasedAcks } from './acks.js';
import { describeHost, watchPhase } from '../lib/host.js';

const LEASE_BATCH_QUEUE = 'bench-lease-batch';
const WS_ACK_QUEUE = 'bench-ws-ack';
/** Leased WebSocket consumers of the ack-by-frame phase. */
const WS_CONSUMERS = 4;
/** What RabbitMQ's acking consumer (manual acks, prefetch 100) delivered on the reference machine (issue 12): the bulk-ack rows' target. */
const RABBITMQ_ACKING_CONSUMER = 37_900;

/** Messages per batch request, in and out. */
export const BATCH = 100;
const BATCH_QUEUE = 'bench-batch';
/** The queue the lease + ack phase drains; pre-filled before the daemon starts. */
export const LEASE_QUEUE = 'bench-lease';
const BATCH_BODY = JSON.stringify(Array.from({ length: BATCH }, () => PAYLOAD));

/** The batch-publish load phase against a daemon at `url` (also used by bench/profile.ts). */
export function batchPublishLoad(url: string, connections: number, seconds: number): LoadSpec {
  return {
      url: `${url}/q/${BATCH_QUEUE}/batch`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BATCH_BODY,
      connections,
      seconds,
  };
}

/**
 * Lease one message, then ack it with the key and receipt the lease answered, in wrk's Lua:
 * each lease answer queues its ack, and the next request any connection sends is a queued
 * ack if there is one, else a new lease. So leases and acks alternate, at most one ack per
 * connection behind.
 */
function leaseAckLua(): string {
  return [
    'local pending = {}',
    'function request()',
    '  local p = table.remove(pending)',
    `  if p then return wrk.format("DELETE", "/q/${LEASE_QUEUE}/" .. p.key .. "?receipt=" .. p.receipt) end`,
    `  return wrk.format("GET", "/q/${LEASE_QUEUE}?lease=60")`,
    'end',
    'function on_response(status, headers, body)',
    '  if status ~= 200 or body == nil then return end',
    '  local key = body:match(\'"key":"([^"]+)"\')',
    '  local receipt = body:match(\'"receipt":"([^"]+)"\')',
    '  if key and receipt then',
    '    table.insert(pending, { key = key, receipt = receipt })',
    '    return "leased"',
    '  end',
    '  if body:find(\'"acked":true\', 1, true) then return "acked" end',
    'end',
  ].join('\n');
}

/** The lease + ack phase against a daemon at `url`: 2 requests per message (also used by bench/cost.ts). */
export function leaseAckLoad(url: string, connections: number, seconds: number): LoadSpec {
  return { url: `${url}/q/${LEASE_QUEUE}?lease=60`, connections, seconds, wrkLua: leaseAckLua() };
}

/** Long-poll wake-up: a lease poll parks on an empty queue, then one publish wakes it. Times in ms. */
async function wakeUps(url: string, rounds: number): Promise<{ wake: number[]; publish: number[] }> {
  const wake: number[] = [];
  const publish: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const queue = `bench-wake-${i}`;
    const poll = fetch(`${url}/q/${queue}?wait=20&lease=30`).then(async (r) => {
      const at = performance.now();
      await r.arrayBuffer();
      return { at, status: r.status };
    });
    await sleep(20); // lets the poll park; a benchmark pause, not a test's wait
    const sent = performance.now();
    const pub = await fetch(`${url}/q/${queue}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `value=${PAYLOAD}` });
    await pub.arrayBuffer();
    publish.push(performance.now() - sent);
    const answered = await poll;
    if (pub.status !== 200 || answered.status !== 200) throw new Error(`wake-up round ${i}: publish ${pub.status}, poll ${answered.status}`);
    wake.push(answered.at - sent);
  }
  return { wake, publish };
}

/** Batch publish/receive, lease + ack and long-poll wake-up on `store`; the suite id is `reliable` on SQLite, `<store>-reliable` on others. */
export function reliableSuite(store: StoreUnderTest): BenchSuite {
  const id = store.name === 'sqlite' ? 'reliable' : `${store.name}-reliable`;
  return {
    id,
    description: `batch publish and receive, lease + ack, long-poll wake-up (${store.name}, ${store.settings})`,
    async run(ctx: BenchContext): Promise<BenchRow[]> {
      // The batch-receive phase drains what the publish phase and this fill put in; the lease phase its own queue.
      const batchFill = ctx.quick ? 500_000 : 2_000_000;
      const leaseFill = ctx.quick ? 60_000 : 200_000;
      const bulkFill = ctx.quick ? 150_000 : 600_000;
      const server = await store.start(ctx, id, [
        { queue: BATCH_QUEUE, count: batchFill, value: PAYLOAD },
        { queue: LEASE_QUEUE, count: leaseFill, value: PAYLOAD },
        { queue: LEASE_BATCH_QUEUE, count: bulkFill, value: PAYLOAD },
        { queue: WS_ACK_QUEUE, count: bulkFill, value: PAYLOAD },
      ]);
      ctx.log(`${id}: pre-filled ${batchFill} + ${leaseFill} messages`);
      try {
        const phase = async (label: string, spec: LoadSpec): Promise<LoadResult> => {
          ctx.log(`${id}: ${label} ...`);
          const r = await runLoad({ ...spec, watch: server.processes });
          ctx.log(`${id}: ${label}: ${Math.round(r.rps)} req/s, ${describeLoad(r)}`);
          return r;
        };
        const { connections, seconds } = ctx;
        const health: LoadSpec = { url: `${server.url}/healthz`, connections, seconds };
        const batchPublish = batchPublishLoad(server.url, connections, seconds);
        let pipelinedLpush: number | null = null;
        if (server.redisPort !== null) {
          ctx.log(`${id}: redis-benchmark LPUSH -P ${REDIS_PIPELINE} ...`);
          const raw = await runRedisBenchmark({ port: server.redisPort, requests: ctx.quick ? 500_000 : 2_000_000, clients: connections, pipeline: REDIS_PIPELINE });
          pipelinedLpush = raw.lpush;
        }
        await phase('warm-up', { ...health, seconds: 1 });
        const before = await phase('baseline GET /healthz (1)', health);
        const lengthBefore = await queueLength(server.url, BATCH_QUEUE);
        const pub = await phase(`batch publish (${BATCH} per request)`, batchPublish);
        const lengthAfterPublish = await queueLength(server.url, BATCH_QUEUE);
        const stored = lengthAfterPublish - lengthBefore;
        if (stored < pub.ok * BATCH || stored > (pub.ok + connections) * BATCH) {
          throw new Error(`${pub.ok} batches acknowledged but ${stored} messages stored`);
        }
        const recv = await phase(`batch receive (?n=${BATCH})`, { url: `${server.url}/q/${BATCH_QUEUE}?n=${BATCH}`, connections, seconds });
        const lengthAfterReceive = await queueLength(server.url, BATCH_QUEUE);
        const taken = lengthAfterPublish - lengthAfterReceive;
        // A dry queue answers 204 or short arrays, cheaper than full ones: the row then says so.
        const ranDry = lengthAfterReceive === 0 || recv.statuses['204'] !== undefined;
        if (!ranDry && (taken < recv.ok * BATCH || taken > (recv.ok + connections) * BATCH)) throw new Error(`batch receive: ${recv.ok} answers but ${taken} messages taken`);
        const lease = await phase('lease + ack', leaseAckLoad(server.url, connections, seconds));
        const leaseLeft = await queueLength(server.url, LEASE_QUEUE);
        // Leases without acks would pass as pairs: every lease but the last one per connection was acked.
        const leased = lease.tags.leased ?? 0;
        const acked = lease.tags.acked ?? 0;
        if (acked === 0 || leased - acked > connections || acked > leased) throw new Error(`lease + ack: ${leased} leases but ${acked} acks answered`);
        const bulk = await phase(`lease n=${LEASE_BATCH} + batch ack`, batchAckLoad(server.url, LEASE_BATCH_QUEUE, connections, seconds));
        const bulkLeft = await queueLength(server.url, LEASE_BATCH_QUEUE);
        const bulkLeased = bulk.tags.leased ?? 0;
        const bulkAcked = bulk.tags.acked ?? 0;
        if (bulkAcked === 0 || bulkLeased - bulkAcked > connections || (bulk.tags.ackshort ?? 0) > 0 || (bulk.tags.leaseshort ?? 0) > 0) {
          throw new Error(`lease n=${LEASE_BATCH} + batch ack: ${bulkLeased} full leases, ${bulkAcked} full acks, tags ${JSON.stringify(bulk.tags)}`);
        }
        ctx.log(`${id}: WebSocket leased consumers acking by frame ...`);
        const wsWatch = watchPhase(server.processes);
        const wsCpu = process.cpuUsage();
        const ws = await wsLeasedAcks(server.url, WS_ACK_QUEUE, WS_CONSUMERS, seconds);
        const wsUsed = process.cpuUsage(wsCpu);
        const wsHost = wsWatch.finish({ label: 'bench (ws clients)', seconds: (wsUsed.user + wsUsed.system) / 1e6 });
        ctx.log(`${id}: WebSocket ack by frame: ${Math.round(ws.rate)} msg/s, ${describeHost(wsHost)}`);
        const after = await phase('baseline GET /healthz (2)', health);
        const rounds = ctx.quick ? 50 : 200;
        ctx.log(`${id}: long-poll wake-up, ${rounds} rounds ...`);
        const { wake, publish } = await wakeUps(server.url, rounds);

        const baseline = (before.rps + after.rps) / 2;
        const baselineName = 'GET /healthz req/s';
        // Every lease answered 200 and every ack 200, or the pair rate would flatter the row.
        const leaseFailures = lease.non2xx + lease.errors;
        const w50 = percentile(wake, 50);
        const w99 = percentile(wake, 99);
        return [
          {
            suite: id,
            name: 'baseline GET /healthz',
            figure: baseline,
            unit: 'req/s',
            baselineName,
            baseline,
            note: `runs ${Math.round(before.rps)} and ${Math.round(after.rps)} req/s; (1) ${describeLoad(before)}; (2) ${describeLoad(after)}`,
          },
          {
            suite: id,
            name: `batch publish POST /q/<q>/batch (${BATCH} × 64 B)`,
            figure: pub.rps * BATCH,
            unit: 'msg/s',
            // SQLite: an absolute bound; Redis: a share of what Redis itself does with pipelined LPUSH.
            ...(pipelinedLpush === null
              ? { baselineName, baseline, target: { kind: 'figure-at-least', value: 150_000 } as const }
              : { baselineName: `redis-benchmark LPUSH -P ${REDIS_PIPELINE} req/s`, baseline: pipelinedLpush, target: { kind: 'ratio-at-least', value: 0.3 } as const }),
            note: `${Math.round(pub.rps)} req/s, ${describeLoad(pub)}; all ${pub.ok * BATCH} acknowledged messages stored${pipelinedLpush === null ? '' : `; GET /healthz ${Math.round(baseline)} req/s`}`,
          },
          {
            suite: id,
            name: `batch receive GET /q/<q>?n=${BATCH} (pop)`,
            figure: recv.rps * BATCH,
            unit: 'msg/s',
            baselineName,
            baseline,
            note: `${Math.round(recv.rps)} req/s, ${describeLoad(recv)}; ${ranDry ? 'QUEUE RAN DRY: figure invalid' : `${lengthAfterReceive} still queued`}`,
          },
          {
            suite: id,
            name: 'leased receive + ack (?lease=60, then DELETE with receipt)',
            figure: lease.rps / 2,
            unit: 'msg/s',
            baselineName,
            baseline,
            note: `2 requests per message; ${leased} leases and ${acked} acks answered; ${describeLoad(lease)}; ${leaseFailures === 0 ? 'every lease and ack answered 200' : `${leaseFailures} failures ${JSON.stringify(lease.statuses)}`}; ${leaseLeft} still queued`,
          },
          {
            suite: id,
            name: `lease n=${LEASE_BATCH} + batch ack (GET ?lease=60&n=${LEASE_BATCH}, then POST /q/<q>/ack)`,
            figure: bulk.ok > 0 ? (bulk.rps * bulkAcked * LEASE_BATCH) / bulk.ok : 0, // acked messages per second of the phase
            unit: 'msg/s',
            baselineName,
            baseline,
            target: { kind: 'figure-at-least', value: RABBITMQ_ACKING_CONSUMER },
            note: `2 requests per ${LEASE_BATCH} messages; ${bulkLeased} leases of ${LEASE_BATCH} and ${bulkAcked} acks of ${LEASE_BATCH} answered; ${describeLoad(bulk)}; ${bulkLeft} still queued; target: RabbitMQ's acking consumer on the reference machine`,
          },
          {
            suite: id,
            name: `WebSocket leased consumers acking by frame (${WS_CONSUMERS} × /ws/<q>?lease=60)`,
            figure: ws.rate,
            unit: 'msg/s',
            baselineName,
            baseline,
            target: { kind: 'figure-at-least', value: RABBITMQ_ACKING_CONSUMER },
            note: `${ws.acked} acks answered in ${ws.seconds.toFixed(1)} s (after 0.5 s unmeasured), ${ws.refused} other answers; one {"cmd":"ack"} frame per message, ws clients in the bench process; ${describeHost(wsHost)}`,
          },
          {
            suite: id,
            name: 'long-poll wake-up p50 (publish sent → parked GET ?wait=20&lease=30 answers)',
            figure: w50,
            unit: 'ms',
            baselineName: 'publish round trip p50',
            baseline: percentile(publish, 50),
            note: `${rounds} rounds, one parked poll each, fetch client`,
          },
          {
            suite: id,
            name: 'long-poll wake-up p99',
            figure: w99,
            unit: 'ms',
            baselineName: 'publish round trip p99',
            baseline: percentile(publish, 99),
            note: `max ${Math.max(...wake).toFixed(2)} ms`,
          },
        ];
      } finally {
        await server.stop();
      }
    },
  };
}
