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
import { routeInfo } from '../route-info.js';
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
  const access = routeInfo(request).config.access;
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
  // Wrapping fastify's listener instead of adding a second one keeps node's one-listener
  // emit (no listener array copied per request).
  const handlers = app.server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  app.server.removeAllListeners('request');
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('x-content-type-options', 'nosniff');
    for (const handler of handlers) Reflect.apply(handler, app.server, [req, res]);
  });
  const hostVerdict = hostVerdicts(policy);
  app.addHook('onRequest', (request, reply, done) => {
    if (policy.cors !== null) void reply.header('vary', 'Origin');
    if (!hostVerdict(request.headers.host)) return done(new RestMQError('host_not_allowed'));
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

/** Distinct Host values whose verdict is remembered; past it the memory starts over. */
const HOST_VERDICTS = 256;

/**
 * {@link hostAllowed} remembering its verdict per Host value: clients send the same few
 * Hosts on every request, and the check lowercases, matches a pattern and parses an IP.
 * Bounded, so a client inventing Hosts cannot grow it.
 */
function hostVerdicts(policy: BrowserPolicy): (header: string | undefined) => boolean {
  const verdicts = new Map<string, boolean>();
  return (header) => {
    if (header === undefined) return hostAllowed(policy, header);
    let verdict = verdicts.get(header);
    if (verdict === undefined) {
      verdict = hostAllowed(policy, header);
      if (verdicts.size >= HOST_VERDICTS) verdicts.clear();
      verdicts.set(header, verdict);
    }
    return verdict;
  };
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
