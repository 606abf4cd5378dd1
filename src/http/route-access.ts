/**
 * A route's access declaration (`config.access`, see src/access/rights.ts) derived from the
 * operation it runs, so a route and a JSON command running the same operation need the
 * same right. The route adds what only HTTP knows: where its queue comes from and which
 * section of the original acl.conf governs it.
 */
import { PUBLIC } from '../access/rights.js';
import type { AclSection, QueueSource, RouteAccess } from '../access/rights.js';
import { accessOf } from '../operations/index.js';
import type { OperationName } from '../operations/index.js';

/**
 * The original acl.conf section of a right: producers' section for publishing and for
 * administering (as in the original file), consumers' for reading.
 */
const SECTION_OF = { produce: 'rest:producer', consume: 'rest:consumer', admin: 'rest:producer' } as const;

/** The declaration of a route that runs `operation` on the queue found at `queue`. */
export function runs(operation: OperationName, queue: QueueSource, section?: AclSection): { config: { access: RouteAccess } } {
  const access = accessOf(operation);
  if (access === 'public') return PUBLIC;
  return { config: { access: { section: section ?? SECTION_OF[access], right: access, queue } } };
}
