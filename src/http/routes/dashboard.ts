/**
 * The web dashboard: `/dashboard` (the page), its files under `/dashboard/assets/`, the
 * client library under `/dashboard/client/` (with the `/dashboard/core/` modules it
 * imports), the original's `/static/index.html` as a
 * redirect to it, and the API it adds (dashboard-api.ts). The page and its files are public
 * (they hold no queue data); everything it shows or changes goes through routes that obey
 * the ACL. The page has its own Content-Security-Policy: scripts, styles and connections
 * from this origin only, nothing inline, never in a frame.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RestMQError } from '../../core/errors.js';
import { PUBLIC } from '../../access/rights.js';
import type { Operations } from '../../operations/index.js';
import { routeInfo } from '../route-info.js';
import { ConsumerRegistry } from '../../dashboard/consumers.js';
import type { StreamTransport } from '../../dashboard/consumers.js';
import { StatsSampler } from '../../dashboard/sampler.js';
import { loadDashboardAssets } from '../dashboard-assets.js';
import type { Asset } from '../dashboard-assets.js';
import { registerDashboardApi } from './dashboard-api.js';

/** The CSP of the dashboard page: its own files only, no inline script or style, no frames. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * A request header the dashboard sends so that its 401s carry no `WWW-Authenticate`: the
 * browser then shows the page's own sign-in form instead of its Basic-auth prompt.
 */
export const DASHBOARD_HEADER = 'x-restmq-dashboard';

/** What the dashboard needs. */
export interface DashboardSettings {
  readonly storeKind: string;
  /** `--dashboard-interval-ms`. */
  readonly intervalMs: number;
  /** Unsent bytes a stats stream may hold (the streams' `--stream-buffer-bytes`). */
  readonly bufferBytes: number;
  /** The clock samples are timed by. @default Date.now */
  readonly now?: (() => number) | undefined;
}

type FileParams = { Params: { file: string } };

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: Asset | null | undefined): FastifyReply {
  if (asset === null || asset === undefined) throw new RestMQError('not_found');
  void reply.header('etag', asset.etag).header('cache-control', 'no-cache');
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.code(200).type(asset.type).send(asset.body);
}

/** The streaming transport a request to a stream route opens, or null for other routes. */
function streamTransport(request: FastifyRequest): StreamTransport | null {
  const route = routeInfo(request).url;
  if (route === '/ws/:queue') return 'websocket';
  if (route === '/sse/:queue') return 'sse';
  if (route !== '/c/:queue') return null;
  return (request.headers.accept ?? '').toLowerCase().includes('text/event-stream') ? 'sse' : 'comet';
}

/**
 * Registers the dashboard, its API and the consumer counting hook. The sampler starts when
 * the first dashboard stream opens (a daemon nobody watches reads nothing) and runs until
 * the app closes.
 */
export function registerDashboardRoutes(app: FastifyInstance, ops: Operations, settings: DashboardSettings): void {
  const assets = loadDashboardAssets();
  const consumers = new ConsumerRegistry();
  const sampler = new StatsSampler({
    // Every queue: each stream then shows only those its caller may consume.
    allStats: () => ops.allStats({ visible: () => true }),
    consumers: (queue) => consumers.counts(queue, ops.waiting({ queue })),
    intervalMs: settings.intervalMs,
    ...(settings.now === undefined ? {} : { now: settings.now }),
  });
  app.addHook('onClose', (_instance, done) => {
    sampler.close();
    done();
  });

  // After the access guard: a refused stream never counts as connected.
  app.addHook('preHandler', (request, reply, done) => {
    const transport = streamTransport(request);
    const queue = (request.params as Record<string, unknown> | undefined)?.queue;
    if (transport !== null && typeof queue === 'string') {
      const closed = consumers.opened(queue, transport);
      if (transport === 'websocket') request.raw.socket.once('close', closed);
      else reply.raw.once('close', closed);
    }
    done();
  });

  // The page's own requests get no Basic-auth challenge, so the browser shows the page's form.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.headers[DASHBOARD_HEADER] !== undefined) reply.removeHeader('www-authenticate');
    done(null, payload);
  });

  const page = {
    ...PUBLIC,
    // Route hooks run after the app's, so this CSP replaces the one of RestMQ's other pages.
    onSend: (_request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) => {
      void reply.header('content-security-policy', DASHBOARD_CSP);
      done(null, payload);
    },
  };
  app.get('/dashboard', page, (request, reply) => sendAsset(request, reply, assets.web.get('index.html')));
  app.get<FileParams>('/dashboard/assets/:file', PUBLIC, (request, reply) => sendAsset(request, reply, assets.web.get(request.params.file)));
  app.get<FileParams>('/dashboard/client/:file', PUBLIC, (request, reply) => {
    const found = assets.client.get(request.params.file);
    if (found === undefined && assets.client.size === 0) throw new RestMQError('not_found', 'dist/client is missing: run npm run build (npm ci runs it)');
    return sendAsset(request, reply, found);
  });
  app.get<FileParams>('/dashboard/core/:file', PUBLIC, (request, reply) => sendAsset(request, reply, assets.core.get(request.params.file)));
  app.get('/static/index.html', PUBLIC, (_request, reply) => reply.redirect('/dashboard', 302));

  registerDashboardApi(app, { ops, sampler, consumers, storeKind: settings.storeKind, bufferBytes: settings.bufferBytes, intervalMs: settings.intervalMs });
}
