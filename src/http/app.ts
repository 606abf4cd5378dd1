/**
 * Builds the HTTP transport: a fastify instance with RestMQ's body parsers, the error
 * mapping, JSONP validation and every route. It holds no queue logic; it translates
 * between HTTP and the Broker.
 */
import websocket from '@fastify/websocket';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AccessControl } from '../access/access-control.js';
import type { Broker } from '../core/broker.js';
import type { Dispatcher } from '../core/dispatcher.js';
import { RestMQError } from '../core/errors.js';
import { bindOperations } from '../operations/index.js';
import { ClientFaultLog, websocketErrorHandler } from './client-faults.js';
import { toRestMQError } from './errors.js';
import { registerAccessGuard } from './guards/access.js';
import { requireAccessDeclarations } from './guards/declarations.js';
import { registerBrowserGuards } from './guards/browser.js';
import type { BrowserPolicy } from './guards/browser-policy.js';
import { StoreOutageLog } from './outage-log.js';
import { lazyChildLogger } from './lazy-logger.js';
import { guardConnections, serverTimeouts } from './guards/connections.js';
import type { ConnectionSettings } from './guards/connections.js';
import { errorBody, jsonpCallback, sendError, sendJson } from './render.js';
import { registerCollectdRoutes } from './routes/collectd.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import type { CollectdQueues } from './routes/collectd.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerJsonProtocolRoutes } from './routes/json-protocol.js';
import { registerMessageRoutes } from './routes/messages.js';
import { registerByKeyRoutes } from './routes/by-key.js';
import { registerAckBatchRoute } from './routes/ack-batch.js';
import { registerQueueRoutes } from './routes/queues.js';
import { registerRootRoutes } from './routes/root.js';
import { registerSettingsRoutes } from './routes/settings.js';
import { registerStatsRoutes } from './routes/stats.js';
import { registerMetricsRoutes } from './routes/metrics.js';
import type { MetricsRouteSettings } from './routes/metrics.js';
import { registerStreamRoutes } from './routes/streams.js';
import { registerWebSocketRoute } from './routes/websocket.js';
import { endRefusedUpgrade } from './upgrade-refusal.js';
import { registerSqsRoutes } from '../sqs/routes.js';
import type { QueueNaming } from '../sqs/queue-urls.js';
import { assertUtf8Query, formBodyParser, parseUrlEncoded, textBodyParser } from './text-input.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The validated JSONP callback of this request, or null. */
    jsonpCallback: string | null;
  }
}

/** What the HTTP transport needs. */
export interface HttpAppDeps {
  readonly broker: Broker;
  /** Store name reported by /stats and /readyz. */
  readonly storeKind: string;
  /** Largest message value in bytes; request bodies are bounded from it. */
  readonly maxMessageBytes: number;
  readonly logger: FastifyBaseLogger;
  /** True once shutdown began: new requests get 503 `shutting_down`. */
  readonly isDraining: () => boolean;
  /** Feeds the streaming routes (COMET, SSE, WebSocket). */
  readonly dispatcher: Dispatcher;
  readonly streams: StreamSettings;
  /** The live ACL; every declared route passes its guard. */
  readonly access: AccessControl;
  /** With no ACL, refuse clients that are not on loopback. */
  readonly protectedMode: boolean;
  /** Proxies whose X-Forwarded-For names the client; null trusts none. */
  readonly trustProxy: readonly string[] | null;
  /** Host allow-list, origin checks, JSONP and CORS (see src/http/guards/browser.ts). */
  readonly browser: BrowserPolicy;
  /** Counts refusals for `store_unavailable` into one outage log. @default one of its own */
  readonly storeOutage?: StoreOutageLog;
  /** Certificate and key to serve HTTPS (and WSS) instead of HTTP; see src/http/tls.ts. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Connection caps, request timeouts, the pipelining gate and chunked large answers (src/http/guards). */
  readonly connections: ConnectionSettings;
  /** The queues of `POST /collectd/data` and `/collectd/event`. */
  readonly collectd: CollectdQueues;
  /** `/metrics` and the HTTP figures behind it; absent, the route is not served. */
  readonly metrics?: MetricsRouteSettings;
  /** Milliseconds between the dashboard's live updates (`--dashboard-interval-ms`). @default 2000 */
  readonly dashboardIntervalMs?: number;
  /** The clock the dashboard's samples are timed by (the Broker's). @default Date.now */
  readonly now?: () => number;
  /** How the SQS adapter names queues (src/sqs); absent, SQS is not served. */
  readonly sqs?: QueueNaming;
}

/** Settings of every streaming transport (see docs/streaming.md). */
export interface StreamSettings {
  /** Unsent bytes per connection before it counts as full. */
  readonly bufferBytes: number;
  readonly sseHeartbeatSeconds: number;
  readonly sseRetryMs: number;
  readonly wsPingSeconds: number;
}

/** Requests slower than this are logged at info. */
const SLOW_REQUEST_MS = 1000;

/** Builds the fastify app (not yet listening). */
export async function buildHttpApp(deps: HttpAppDeps): Promise<FastifyInstance> {
  // A url-encoded value may take three bytes per byte; the Broker enforces the exact limit.
  const bodyLimit = deps.maxMessageBytes * 3 + 64 * 1024;
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    return503OnClosing: false,
    childLoggerFactory: lazyChildLogger,
    forceCloseConnections: 'idle',
    // request.ip is the socket peer unless that peer is a trusted proxy.
    trustProxy: deps.trustProxy === null ? false : [...deps.trustProxy],
    ...(deps.tls === undefined ? {} : { https: { cert: deps.tls.cert, key: deps.tls.key } }),
    ...serverTimeouts(deps.connections),
    // Query strings parse as form bodies do; assertUtf8Query refuses the ones that are not UTF-8.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024, querystringParser: (text) => parseUrlEncoded(text, true) },
    // Errors met while routing (a bad %-escape, an over-long name) get the catalog shape too.
    frameworkErrors: (err, request, reply) => {
      const error = toRestMQError(err);
      request.jsonpCallback = null; // no hook ran on this request, so no callback was validated
      endRefusedUpgrade(request, reply);
      void sendJson(request, reply, errorBody(error), error.status);
    },
  });

  // Bodies are read as bytes and refused unless UTF-8, so nothing is stored as U+FFFD.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit }, formBodyParser);
  // Streams are ended by the dispatcher (with a reason) before the app closes.
  await app.register(websocket, {
    options: { maxPayload: bodyLimit },
    errorHandler: websocketErrorHandler(new ClientFaultLog(deps.logger)),
  });
  // A store outage is logged when it starts and when it ends, not once per refused request.
  const outage = deps.storeOutage ?? new StoreOutageLog(deps.logger, () => deps.broker.ready());
  app.decorate('storeOutage', outage);
  app.addHook('onClose', (_instance, done) => {
    outage.close();
    done();
  });
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer', bodyLimit }, textBodyParser);
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit }, (_req, body, done) =>
    done(null, body),
  );

  requireAccessDeclarations(app);
  app.decorateRequest('jsonpCallback', null);
  app.decorateRequest('routeInfoCache', null);
  app.addHook('onRequest', (_request, _reply, done) => {
    done(deps.isDraining() ? new RestMQError('shutting_down') : undefined);
  });
  guardConnections(app, deps.connections);
  app.addHook('onRequest', (request, _reply, done) => {
    // Most URLs have no %-escape in a query: no try, no parse.
    const mark = request.url.indexOf('?');
    if (mark === -1 || !request.url.includes('%', mark)) return done();
    try {
      assertUtf8Query(request.url);
      done();
    } catch (err) {
      done(toRestMQError(err));
    }
  });
  // While draining, every answer closes its connection: a keep-alive socket that turns idle
  // after close() began is not closed by node, so it would hold shutdown for the client's
  // idle timeout.
  app.addHook('onSend', (_request, reply, _payload, done) => {
    if (deps.isDraining()) reply.header('connection', 'close');
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    try {
      request.jsonpCallback = jsonpCallback(request);
      done();
    } catch (err) {
      done(err as Error);
    }
  });
  registerBrowserGuards(app, deps.browser);
  // After the browser guards: a page of another origin is refused before any credential is
  // checked, so it cannot spend the user's failed-authentication allowance (a lock-out).
  registerAccessGuard(app, deps.access, deps.protectedMode);
  app.addHook('onResponse', (request, reply, done) => {
    if (reply.elapsedTime > SLOW_REQUEST_MS) {
      request.log.info({ url: request.url.split('?')[0], method: request.method, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'slow request');
    }
    done();
  });

  app.setErrorHandler((err, request, reply) => {
    const error = toRestMQError(err);
    return sendError(request, reply, error, errorBody(error));
  });
  app.setNotFoundHandler((request, reply) => sendJson(request, reply, errorBody(new RestMQError('not_found')), 404));

  // Routes run operations (src/operations), never the Broker or the Dispatcher directly.
  const ops = bindOperations({ broker: deps.broker, dispatcher: deps.dispatcher });
  if (deps.metrics !== undefined) registerMetricsRoutes(app, ops, deps.metrics);
  registerRootRoutes(app, ops);
  registerMessageRoutes(app, ops);
  registerByKeyRoutes(app, ops);
  registerAckBatchRoute(app, ops);
  registerQueueRoutes(app, ops);
  registerSettingsRoutes(app, ops);
  registerStatsRoutes(app, ops, deps.storeKind);
  await registerJsonProtocolRoutes(app, ops);
  registerHealthRoutes(app, ops, deps.storeKind);
  registerStreamRoutes(app, ops, deps.streams);
  registerWebSocketRoute(app, ops, {
    bufferBytes: deps.streams.bufferBytes,
    pingSeconds: deps.streams.wsPingSeconds,
    stallMs: deps.connections.sendStallTimeoutMs,
  });
  registerCollectdRoutes(app, ops, deps.collectd);
  registerDashboardRoutes(app, ops, { storeKind: deps.storeKind, intervalMs: deps.dashboardIntervalMs ?? 2000, bufferBytes: deps.streams.bufferBytes, now: deps.now });
  if (deps.sqs !== undefined) await registerSqsRoutes(app, { ops, naming: deps.sqs, maxMessageBytes: deps.maxMessageBytes, access: deps.access });
  return app;
}
