/**
 * What the dashboard needs beyond the RestMQ API: one server-sent stream of every queue's
 * stats (`GET /dashboard/api/stats`: a snapshot, then the rows that changed at each update),
 * a queue's hour of history for its chart, and its connected consumers by transport. Each
 * route is declared like `/stats/` (consume, `[rest:consumer]`): the stream shows only the
 * queues its caller may consume, and ends with a reason at shutdown or when its peer stops
 * reading (`slow_consumer`, once `--stream-buffer-bytes` wait unsent).
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RestMQError } from '../../core/errors.js';
import { parseQueueName } from '../../core/names.js';
import type { Operations } from '../../operations/index.js';
import type { ConsumerRegistry } from '../../dashboard/consumers.js';
import { ROW_COLUMNS, SPARK_POINTS } from '../../dashboard/sampler.js';
import type { StatsSampler, Tick } from '../../dashboard/sampler.js';
import { mayList } from '../guards/access.js';
import { sendJson } from '../render.js';
import { runs } from '../route-access.js';
import { cutAfterGrace } from '../streams/http-stream.js';

/** What the dashboard's API routes read. */
export interface DashboardApiDeps {
  readonly ops: Operations;
  readonly sampler: StatsSampler;
  readonly consumers: ConsumerRegistry;
  /** "sqlite" or "redis", shown in the header. */
  readonly storeKind: string;
  /** Unsent bytes a stream may hold; beyond it the stream ends with `slow_consumer`. */
  readonly bufferBytes: number;
  readonly intervalMs: number;
}

type QueueParams = { Params: { queue: string } };

/** One open stats stream: what it sends at each tick, and how it ends. Exported for its tests. */
export class StatsStream {
  private snapshotDue = true;
  /** Queues this caller may see, decided once per name. */
  private readonly visible = new Map<string, boolean>();

  constructor(
    /** The hijacked response the events are written to. */
    private readonly res: ServerResponse,
    private readonly request: FastifyRequest,
    private readonly deps: DashboardApiDeps,
  ) {}

  private sees(queue: string): boolean {
    let seen = this.visible.get(queue);
    if (seen === undefined) {
      seen = mayList(this.request, queue);
      this.visible.set(queue, seen);
    }
    return seen;
  }

  /** Sends `tick`: a snapshot when one is due, else the rows that changed. */
  send(tick: Tick): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    if (this.res.writableLength > this.deps.bufferBytes) {
      // A peer that stopped reading is cut like any slow streaming consumer; the page reconnects to a snapshot.
      this.end(new RestMQError('slow_consumer'));
      return;
    }
    const rows: string[] = [];
    if (this.snapshotDue) {
      const spark: string[] = [];
      for (const [queue, row] of tick.rows) {
        if (!this.sees(queue)) continue;
        rows.push(row);
        spark.push(`${JSON.stringify(queue)}:${JSON.stringify(this.deps.sampler.history.depths(queue, SPARK_POINTS))}`);
      }
      const head = { t: tick.at, store: this.deps.storeKind, interval_ms: this.deps.intervalMs, history_step_ms: this.deps.sampler.history.stepMs, columns: ROW_COLUMNS, error: tick.error };
      const text = `${JSON.stringify(head).slice(0, -1)},"rows":[${rows.join(',')}],"spark":{${spark.join(',')}}}`;
      this.res.write(`event: snapshot\ndata: ${text}\n\n`);
      this.snapshotDue = false;
      return;
    }
    for (const queue of tick.changed) if (this.sees(queue)) rows.push(tick.rows.get(queue) ?? '');
    const gone = tick.gone.filter((q) => this.sees(q));
    for (const q of tick.gone) this.visible.delete(q);
    const head = { t: tick.at, history: tick.history, error: tick.error, gone };
    this.res.write(`event: update\ndata: ${JSON.stringify(head).slice(0, -1)},"rows":[${rows.join(',')}]}\n\n`);
  }

  /** Ends the stream with a closing event naming the reason. */
  end(reason: RestMQError): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    this.res.end(`event: close\ndata: ${JSON.stringify({ code: reason.code, message: reason.message })}\n\n`);
    // Cut unless the connection is gone within the grace: a peer that keeps its socket open
    // after the end (or never reads it) would otherwise hold shutdown for its full timeout.
    cutAfterGrace(this.res, 'close', () => this.res.socket?.destroy());
  }
}

/** Registers `/dashboard/api/*`. */
export function registerDashboardApi(app: FastifyInstance, deps: DashboardApiDeps): void {
  const open = new Set<StatsStream>();
  app.addHook('preClose', (done) => {
    for (const stream of open) stream.end(new RestMQError('shutting_down'));
    done();
  });

  app.get('/dashboard/api/stats', { exposeHeadRoute: false, ...runs('allStats', 'listing') }, (request, reply) => {
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) reply.raw.setHeader(name, value);
    }
    reply.hijack();
    const res = reply.raw;
    // `connection: close`: the socket goes with the stream, so an ended stream never lingers as a keep-alive one.
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', connection: 'close' });
    res.write('retry: 3000\n\n');
    const stream = new StatsStream(res, request, deps);
    open.add(stream);
    if (deps.sampler.latest.at > 0) stream.send(deps.sampler.latest);
    const unwatch = deps.sampler.watch((tick) => stream.send(tick));
    res.once('close', () => {
      unwatch();
      open.delete(stream);
      if (!res.writableFinished) res.socket?.destroy();
    });
  });

  app.get<QueueParams>('/dashboard/api/queues/:queue/history', runs('stats', 'param'), (request, reply) => {
    const queue = parseQueueName(request.params.queue);
    const series = deps.sampler.history.series(queue);
    return sendJson(request, reply, { queue, step_ms: deps.sampler.history.stepMs, points: deps.sampler.history.size, ...(series ?? { t: [], ready: [], leased: [], delayed: [], dead: [], published: [] }) });
  });

  app.get<QueueParams>('/dashboard/api/queues/:queue/consumers', runs('waiting', 'param'), (request, reply) => {
    const queue = parseQueueName(request.params.queue);
    return sendJson(request, reply, { queue, ...deps.consumers.counts(queue, deps.ops.waiting({ queue })) });
  });
}
