/**
 * Builds the HTTP transport: a fastify instance with RestMQ's body parsers, the error
 * mapping, JSONP validation and every route. It holds no queue logic; it translates
 * between HTTP and the Broker.
 */
import websocket from '@fastify/websocket';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Broker } from '../core/broker.js';
import type { Dispatcher } from '../core/dispatcher.js';
import { RestMQError } from '../core/errors.js';
import { toRestMQError } from './errors.js';
import { errorBody, jsonpCallback, sendError, sendJson } from './render.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerJsonProtocolRoutes } from './routes/json-protocol.js';
import { registerMessageRoutes } from './routes/messages.js';
import { registerReliableRoutes } from './routes/reliable.js';
import { registerStreamRoutes } from './routes/streams.js';
import { registerWebSocketRoute } from './routes/websocket.js';
import { endRefusedUpgrade } from './upgrade-refusal.js';
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
    forceCloseConnections: 'idle',
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
  await app.register(websocket, { options: { maxPayload: bodyLimit } });
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer', bodyLimit }, textBodyParser);
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit }, (_req, body, done) =>
    done(null, body),
  );

  app.decorateRequest('jsonpCallback', null);
  app.addHook('onRequest', (_request, _reply, done) => {
    done(deps.isDraining() ? new RestMQError('shutting_down') : undefined);
  });
  app.addHook('onRequest', (request, _reply, done) => {
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
  app.addHook('onResponse', (request, reply, done) => {
    if (reply.elapsedTime > SLOW_REQUEST_MS) {
      request.log.info({ url: request.url, method: request.method, ms: Math.round(reply.elapsedTime) }, 'slow request');
    }
    done();
  });

  app.setErrorHandler((err, request, reply) => {
    const error = toRestMQError(err);
    return sendError(request, reply, error, errorBody(error));
  });
  app.setNotFoundHandler((request, reply) => sendJson(request, reply, errorBody(new RestMQError('not_found')), 404));

  registerMessageRoutes(app, deps.broker);
  registerReliableRoutes(app, deps.broker);
  registerAdminRoutes(app, deps.broker, deps.storeKind);
  await registerJsonProtocolRoutes(app, deps.broker);
  registerHealthRoutes(app, deps.broker, deps.storeKind);
  registerStreamRoutes(app, deps.dispatcher, deps.streams);
  registerWebSocketRoute(app, deps.broker, deps.dispatcher, {
    bufferBytes: deps.streams.bufferBytes,
    pingSeconds: deps.streams.wsPingSeconds,
  });
  return app;
}
