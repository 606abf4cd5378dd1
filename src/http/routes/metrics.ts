/**
 * `GET /metrics` (Prometheus text format) and the hooks that feed it from HTTP: request
 * latency by route pattern, and the open COMET, SSE and WebSocket connections. The route
 * needs consume on some queue (like `/stats/`) and shows per-queue series only for the
 * queues the caller may consume; see docs/operations.md.
 */
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Operations } from '../../operations/index.js';
import { routeInfo } from '../route-info.js';
import type { QueueStats } from '../../core/types.js';
import type { PrometheusMetrics, Transport } from '../../metrics/prometheus.js';
import { walBytes } from '../../metrics/prometheus.js';
import { runs } from '../route-access.js';
import { mayList } from '../guards/access.js';

/** What /metrics needs besides the operations. */
export interface MetricsRouteSettings {
  readonly metrics: PrometheusMetrics;
  /** Queues with their own label (--metrics-queue-labels). */
  readonly queueLabels: number;
  /** "sqlite" or "redis". */
  readonly storeKind: string;
  /** The SQLite data directory, whose `restmq.db-wal` is reported; null on Redis. */
  readonly dataDir: string | null;
}

/** The streaming transport a request to a stream route opens, or null for other routes. */
function streamTransport(request: FastifyRequest): Exclude<Transport, 'long_poll'> | null {
  const route = routeInfo(request).url;
  if (route === '/ws/:queue') return 'websocket';
  if (route === '/sse/:queue') return 'sse';
  if (route !== '/c/:queue') return null;
  return (request.headers.accept ?? '').toLowerCase().includes('text/event-stream') ? 'sse' : 'comet';
}

/** Registers the latency and connection hooks and `GET /metrics`. */
export function registerMetricsRoutes(app: FastifyInstance, ops: Operations, settings: MetricsRouteSettings): void {
  const { metrics } = settings;

  app.addHook('onResponse', (request, reply, done) => {
    metrics.request(request.method, routeInfo(request).url ?? 'unmatched', reply.elapsedTime / 1000);
    done();
  });

  // After the access guard: a refused stream never counts as open.
  app.addHook('preHandler', (request, reply, done) => {
    const transport = streamTransport(request);
    if (transport !== null) {
      const closed = metrics.opened(transport);
      // A WebSocket lives as long as its socket; an HTTP stream as long as its response.
      if (transport === 'websocket') request.raw.socket.once('close', closed);
      else reply.raw.once('close', closed);
    }
    done();
  });

  app.get('/metrics', runs('allStats', 'listing'), async (request, reply) => {
    const up = await ops.ready({}).then(
      () => true,
      () => false,
    );
    let queues: QueueStats[] | null = null;
    if (up) {
      queues = await ops.allStats({ visible: (q) => mayList(request, q) }).catch(() => null);
    }
    const wal = settings.dataDir === null ? null : await walBytes(join(settings.dataDir, 'restmq.db-wal'));
    const text = await metrics.scrape({
      queues,
      queueLabels: settings.queueLabels,
      store: { kind: settings.storeKind, up, walBytes: wal },
      longPolls: ops.parkedLongPolls({}),
    });
    return reply.type(metrics.registry.contentType).send(text);
  });
}
