/**
 * The access guard: every request to a declared route (src/access/rights.ts) is admitted or
 * refused before its body is read, the same way for REST, the JSON protocol, COMET, SSE and
 * WebSocket upgrades; JSON protocol commands and WebSocket frames are then checked one by
 * one against the queue they name. Refusals and admin actions leave one audit line each.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessControl } from '../../access/access-control.js';
import { isLoopback } from '../../access/hosts.js';
import type { Principal, Refusal, Verdict } from '../../access/policy.js';
import { allows } from '../../access/policy.js';
import type { Right, RouteAccess } from '../../access/rights.js';
import { RestMQError } from '../../core/errors.js';
import { routeInfo } from '../route-info.js';
import { argument } from '../args.js';
import { readCredentials } from './credentials.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request runs as once the guard admitted it; null on public routes and 404s. */
    principal: Principal | null;
  }
}

/** Checks one command's right on one queue; throws `forbidden`. */
export type Authorize = (right: Right, queue: string) => void;

const ANONYMOUS: Principal = { kind: 'anonymous', name: 'anonymous' };

function declaration(request: FastifyRequest): Exclude<RouteAccess, { public: true }> | null {
  const access = routeInfo(request).config.access;
  if (access === undefined || 'public' in access) return null;
  return access;
}

/** Writes one audit line: a refused request or an admin action. */
export function audit(request: FastifyRequest, event: 'refused' | 'admin', fields: Record<string, unknown>): void {
  request.log.info(
    {
      audit: event,
      principal: request.principal?.name ?? 'anonymous',
      address: request.ip,
      method: request.method,
      route: routeInfo(request).url ?? null,
      ...fields,
    },
    event === 'refused' ? 'access refused' : 'admin action',
  );
}

function refusalError(refusal: Refusal): RestMQError {
  if (refusal.code === 'unauthorized') return new RestMQError('unauthorized');
  if (refusal.code === 'protected_mode') return new RestMQError('protected_mode');
  return new RestMQError('forbidden');
}

function forbid(request: FastifyRequest, right: Right, queue: string | null): RestMQError {
  const principal = request.principal?.name ?? 'anonymous';
  const where = queue === null ? 'any queue' : `queue ${queue}`;
  audit(request, 'refused', { queue, code: 'forbidden', reason: `${principal} lacks ${right} on ${where}` });
  return new RestMQError('forbidden', `${principal} may not ${right} on ${where}`);
}

/** True when the request's principal may see `queue` in a listing (`/stats/`, `/q/`). */
export function mayList(request: FastifyRequest, queue: string): boolean {
  return request.principal === null || allows(request.principal, 'consume', queue);
}

/** The per-command check of `/queue` and WebSocket frames, for the request that opened them. */
export function commandAuthorizer(request: FastifyRequest): Authorize {
  return (right, queue) => {
    if (request.principal !== null && !allows(request.principal, right, queue)) throw forbid(request, right, queue);
  };
}

/** Registers the guard; `access` holds the live ACL. */
export function registerAccessGuard(app: FastifyInstance, access: AccessControl, protectedMode: boolean): void {
  app.decorateRequest('principal', null);

  app.addHook('onRequest', (request, _reply, done) => {
    const declared = declaration(request);
    if (declared === null) return done();
    if (!access.enabled) {
      // The common case without an ACL stays synchronous: no promise per request.
      if (protectedMode && !isLoopback(request.ip)) {
        audit(request, 'refused', { code: 'protected_mode' });
        return done(new RestMQError('protected_mode'));
      }
      request.principal = ANONYMOUS;
      return done();
    }
    const credentials = readCredentials(request, declared.section === 'websocket:consumer');
    if (credentials.kind !== 'none') {
      const wait = access.failures.retryAfterSeconds(request.ip);
      if (wait > 0) {
        audit(request, 'refused', { code: 'too_many_auth_failures' });
        return done(new RestMQError('too_many_auth_failures', undefined, { retryAfterSeconds: wait }));
      }
    }
    const question = { address: request.ip, section: declared.section, credentials };
    const admit = (verdict: Verdict): void => {
      if (!verdict.ok) {
        const { refusal } = verdict;
        const failures = refusal.code === 'unauthorized' && refusal.presented ? access.failures.fail(request.ip) : undefined;
        audit(request, 'refused', { code: refusal.code, reason: refusal.reason, ...(failures === undefined ? {} : { failures }) });
        return done(refusalError(refusal));
      }
      request.principal = verdict.principal;
      const params = request.params as Record<string, unknown> | undefined;
      if (declared.queue === 'param' && typeof params?.queue === 'string') {
        if (!allows(verdict.principal, declared.right, params.queue)) return done(forbid(request, declared.right, params.queue));
      } else if (typeof declared.queue === 'object') {
        if (!allows(verdict.principal, declared.right, declared.queue.fixed)) return done(forbid(request, declared.right, declared.queue.fixed));
      } else if (declared.queue === 'listing' && !allows(verdict.principal, declared.right, null)) {
        return done(forbid(request, declared.right, null));
      }
      done();
    };
    // A credential that authenticated recently is admitted without hashing or a promise.
    const fast = access.decideFast(question);
    if (fast !== null) return admit(fast);
    access.decide(question).then(admit, (err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
  });

  // `/`'s queue comes from the form body, which is only read after onRequest.
  app.addHook('preHandler', (request, _reply, done) => {
    const declared = declaration(request);
    if (declared?.queue !== 'argument' || request.principal === null) return done();
    const queue = argument(request, 'queue');
    if (!allows(request.principal, declared.right, typeof queue === 'string' ? queue : null)) {
      return done(forbid(request, declared.right, typeof queue === 'string' ? queue : null));
    }
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    if (declaration(request)?.right === 'admin' && request.principal !== null) {
      const params = request.params as Record<string, unknown> | undefined;
      audit(request, 'admin', { queue: typeof params?.queue === 'string' ? params.queue : null, status: reply.statusCode });
    }
    done();
  });
}
