/**
 * Browser safety: a page the user opens on another origin must not read, pop or change
 * anything on a RestMQ server it can reach (localhost, the LAN). Hooks that refuse a Host
 * the server does not answer for (DNS rebinding), refuse cross-site requests to every
 * route that is not public (forms, no-cors fetches, `<script src>`, WebSocket upgrades)
 * and JSONP to pages of other origins, answer CORS for the origins configured, and set
 * nosniff everywhere and a CSP on HTML pages. The rules: browser-policy.ts and
 * docs/security.md, "Browser safety".
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PUBLIC } from '../../access/rights.js';
import { RestMQError } from '../../core/errors.js';
import { PAGE_STYLE } from '../pages.js';
import { hostAllowed, isForeign, originOf } from './browser-policy.js';
import type { BrowserPolicy } from './browser-policy.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** True when a browser marks this request as sent by a page of an origin that is not allowed. */
    foreignPage: boolean;
  }
}

/** The CSP of every HTML page: nothing but its own hashed style sheet, never in a frame. */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Methods a CORS preflight may ask for: every method a route uses. */
const CORS_METHODS = 'GET, HEAD, POST, DELETE';

/** How long a browser may cache a preflight answer, seconds. */
const PREFLIGHT_MAX_AGE = 600;

/** An `Access-Control-Request-Headers` list worth echoing: header names, bounded. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

function isPublic(request: FastifyRequest): boolean {
  const access = request.routeOptions.config.access;
  // No declaration: the not-found handler, which serves nothing.
  return access === undefined || 'public' in access;
}

/**
 * Registers the hooks (and, with CORS on, the preflight route). Call after the JSONP
 * callback is validated (its preHandler) and before any route is added.
 */
export function registerBrowserGuards(app: FastifyInstance, policy: BrowserPolicy): void {
  app.decorateRequest('foreignPage', false);
  // Before fastify sees the request, so answers no hook reaches (a bad URL) carry it too.
  app.server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => res.setHeader('x-content-type-options', 'nosniff'));
  app.addHook('onRequest', (request, reply, done) => {
    if (policy.cors !== null) void reply.header('vary', 'Origin');
    if (!hostAllowed(policy, request.headers.host)) return done(new RestMQError('host_not_allowed'));
    request.foreignPage = isForeign(policy, request.headers, request.protocol, request.headers.host);
    if (request.foreignPage && !isPublic(request)) return done(new RestMQError('cross_site_refused'));
    corsHeaders(policy, request, reply);
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.jsonpCallback === null) return done();
    const refusal = !policy.jsonp ? 'jsonp_disabled' : request.foreignPage ? 'cross_site_refused' : null;
    if (refusal === null) return done();
    request.jsonpCallback = null; // the refusal is plain JSON: a <script> learns nothing from it
    done(new RestMQError(refusal));
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('x-content-type-options', 'nosniff');
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) {
      void reply.header('content-security-policy', PAGE_CSP);
      void reply.header('x-frame-options', 'DENY');
    }
    done(null, payload);
  });
  if (policy.cors !== null) {
    app.options('*', PUBLIC, (request, reply) => preflight(policy, request, reply));
  }
}

/** Sets the CORS answer headers when the request's origin may read the answer. */
function corsHeaders(policy: BrowserPolicy, request: FastifyRequest, reply: FastifyReply): void {
  const cors = policy.cors;
  if (cors === null) return;
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const from = originOf(origin);
  if (from !== null && cors.origins.has(from)) {
    void reply.header('access-control-allow-origin', from);
    void reply.header('access-control-allow-credentials', 'true');
  } else if (cors.anyOrigin) {
    void reply.header('access-control-allow-origin', '*'); // never with credentials
  } else {
    return;
  }
  void reply.header('access-control-expose-headers', 'Retry-After');
}

/** Answers a CORS preflight: 204 with the grants when the origin is configured, else 403. */
function preflight(policy: BrowserPolicy, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (request.headers['access-control-request-method'] === undefined) {
    return reply.code(204).header('allow', `${CORS_METHODS}, OPTIONS`).send();
  }
  if (!reply.hasHeader('access-control-allow-origin')) throw new RestMQError('cross_site_refused');
  void reply.header('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
  void reply.header('access-control-allow-methods', CORS_METHODS);
  const asked = request.headers['access-control-request-headers'];
  if (typeof asked === 'string' && asked.length <= 1024 && HEADER_LIST.test(asked)) {
    void reply.header('access-control-allow-headers', asked);
  }
  if (request.headers['access-control-request-private-network'] === 'true') {
    void reply.header('access-control-allow-private-network', 'true');
  }
  return reply.code(204).header('access-control-max-age', String(PREFLIGHT_MAX_AGE)).send();
}
