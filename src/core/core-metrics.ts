/**
 * What the core tells a metrics sink. The core counts events where they happen (the
 * Broker, the Dispatcher) without knowing how they are exported: the composition root
 * passes an implementation (src/metrics/), and tests or embedders that want none get
 * {@link NO_METRICS}.
 */
import type { StoredMessage } from './types.js';

/** How a message left its queue for a consumer. */
export type DeliveryMode = 'pop' | 'lease' | 'stream';

/** Events the core reports; every method is cheap and never throws. */
export interface CoreMetrics {
  /** `count` new messages were stored. */
  published(count: number): void;
  /** `count` publishes repeated a remembered dedup id and stored nothing. */
  deduplicated(count: number): void;
  /** `count` messages were refused because their queue was at its max_length. */
  refusedFull(count: number): void;
  /** Messages handed to consumers, with their age at delivery (`now - createdAt`). */
  delivered(mode: DeliveryMode, messages: readonly StoredMessage[], now: number): void;
  /** A lease was acknowledged (the message is deleted). */
  acked(): void;
  /** A lease was released and its message is visible again. */
  released(): void;
  /**
   * `count` messages used their last attempt and moved to their dead-letter queue: when
   * their consumer released them (`released`) or when their lease expired (`lease_expired`).
   */
  deadLettered(reason: DeadLetterReason, count: number): void;
  /** `count` messages were dropped because their ttl passed. */
  expired(count: number): void;
}

/** Why a message moved to its dead-letter queue. */
export type DeadLetterReason = 'released' | 'lease_expired';

/** A sink that records nothing: the default of the Broker and the Dispatcher. */
export const NO_METRICS: CoreMetrics = {
  published: () => {},
  deduplicated: () => {},
  refusedFull: () => {},
  delivered: () => {},
  acked: () => {},
  released: () => {},
  deadLettered: () => {},
  expired: () => {},
};
