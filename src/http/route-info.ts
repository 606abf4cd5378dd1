/**
 * The matched route's pattern and config, read once per request. Fastify's
 * `request.routeOptions` is a getter that builds a fresh object (and asks the router about
 * its version constraint) on every read, and the guards and the metrics read it several
 * times per request; this keeps the first read on the request (issue 12).
 */
import type { FastifyRequest } from 'fastify';

/** What the hooks read of the matched route. */
export interface RouteInfo {
  /** The route pattern (`/q/:queue`); undefined for the not-found handler. */
  readonly url: string | undefined;
  readonly config: FastifyRequest['routeOptions']['config'];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** {@link routeInfo}'s cache; null until first read. */
    routeInfoCache: RouteInfo | null;
  }
}

/** The request's route pattern and config (see the file comment). */
export function routeInfo(request: FastifyRequest): RouteInfo {
  let info = request.routeInfoCache;
  if (info === null || info === undefined) {
    const options = request.routeOptions;
    info = { url: options.url, config: options.config };
    request.routeInfoCache = info;
  }
  return info;
}
