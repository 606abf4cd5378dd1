/**
 * Start-up check that every route declares what it needs (`config.access`, see
 * src/access/rights.ts). A route added without a declaration would otherwise be reachable
 * by anyone once an ACL is set; this makes the server refuse to start instead.
 */
import type { FastifyInstance } from 'fastify';

/** Registers the check; call before any route is added. */
export function requireAccessDeclarations(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const config = route.config as { access?: unknown } | undefined;
    if (config?.access === undefined) {
      const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
      throw new Error(`route ${methods} ${route.url} declares no access (config.access); see src/access/rights.ts`);
    }
  });
}
