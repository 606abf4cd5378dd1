/**
 * What a route or command needs before it may run. Every HTTP route declares one
 * {@link RouteAccess} in its fastify `config.access`; the access guard refuses to start a
 * server with a route that declares nothing, so a new route cannot be forgotten.
 */

/** A right a user or token may hold on a queue pattern (`allow =` in acl.conf). */
export type Right = 'produce' | 'consume' | 'admin';

/** Every right, in the order the docs list them. */
export const RIGHTS: readonly Right[] = ['produce', 'consume', 'admin'];

/**
 * A section of the original RestMQ acl.conf. Its host rules and its shared
 * username/password govern every route that names it, as in the original.
 */
export type AclSection = 'rest:producer' | 'rest:consumer' | 'comet:consumer' | 'websocket:consumer';

/** Every original section, as acl.conf names them. */
export const ACL_SECTIONS: readonly AclSection[] = ['rest:producer', 'rest:consumer', 'comet:consumer', 'websocket:consumer'];

/**
 * Where a route finds the queue it acts on:
 * - `param`: the `:queue` path parameter;
 * - `argument`: the `queue` form or query argument (RestMQ's `/`);
 * - `commands`: each JSON protocol command names its own queue and is checked alone;
 * - `listing`: the route lists queues; the answer only shows queues the caller may see;
 * - `{ fixed }`: the route always acts on one queue named by configuration (collectd's).
 */
export type QueueSource = 'param' | 'argument' | 'commands' | 'listing' | { readonly fixed: string };

/** The declaration every route carries in `config.access`. */
export type RouteAccess =
  | {
      /** The original acl.conf section that governs the route (host rules, shared password). */
      readonly section: AclSection;
      /** The right a user or token needs on the queue. */
      readonly right: Right;
      readonly queue: QueueSource;
    }
  /** Probes and help pages: served to anyone, no queue data in them. */
  | { readonly public: true };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs (see src/access/rights.ts); a route without it is refused at start. */
    access?: RouteAccess;
    /** The route verifies AWS Signature Version 4 itself (src/sqs), so the guard may admit an access key. */
    sigv4?: true;
  }
}

/** The declaration of a route that reads or pops under `rest:consumer`. */
export function consumes(queue: QueueSource, section: AclSection = 'rest:consumer'): { config: { access: RouteAccess } } {
  return { config: { access: { section, right: 'consume', queue } } };
}

/** The declaration of a route that publishes under `rest:producer`. */
export function produces(queue: QueueSource): { config: { access: RouteAccess } } {
  return { config: { access: { section: 'rest:producer', right: 'produce', queue } } };
}

/**
 * The declaration of a route that changes or removes queues in bulk (purge, drop, policy,
 * control, config, redrive): `rest:producer` in the original file, `admin` for users and tokens.
 */
export function administers(queue: QueueSource): { config: { access: RouteAccess } } {
  return { config: { access: { section: 'rest:producer', right: 'admin', queue } } };
}

/** The declaration of a route anyone may reach. */
export const PUBLIC: { config: { access: RouteAccess } } = { config: { access: { public: true } } };
