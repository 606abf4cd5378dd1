/**
 * Filling a store in store-level tests. The contract's one write is the guarded `publish`
 * (ttl and delay relative to now); these tests think in absolute times, so this turns a
 * message's `expiresAt` and `visibleAt` into ttl and delay and publishes them in one call.
 * A message without them takes the queue's stored defaults, as any publish does.
 */
import type { NewMessage } from '../../src/core/types.js';
import type { Store } from '../../src/store/contract.js';

/** Publishes `messages` to `queue` at `now` in one atomic step; answers their keys in order. */
export function append(store: Store, queue: string, messages: readonly NewMessage[], now: number): Promise<string[]> {
  const entries = messages.map((m) => ({
    value: m.value,
    ttlMs: m.expiresAt === null ? null : m.expiresAt - now,
    delayMs: m.visibleAt !== undefined && m.visibleAt > now ? m.visibleAt - now : null,
  }));
  // No await of its own: callers that time signals against the store see the same turns as a direct call.
  return store.messages.publish(queue, entries, now).then((outcome) => {
    if (outcome.kind !== 'stored') throw new Error(`${queue} is full (${outcome.length} messages): the test filled past its max_length`);
    return outcome.keys;
  });
}
