/**
 * PLACEHOLDER for the Redis streaming role (broadcast history). It is written on another
 * branch and replaces this file when the branches are merged; until then every call
 * answers `store_unavailable`, so streaming over Redis is refused instead of faked.
 */
import { RestMQError } from '../../core/errors.js';
import type { StoredMessage } from '../../core/types.js';
import type { StreamStore } from '../contract.js';
import type { RedisContext } from './context.js';

function missing(): Promise<never> {
  return Promise.reject(new RestMQError('store_unavailable', 'streaming over Redis is not part of this build yet'));
}

/** Stands in for the Redis stream role until its branch is merged. */
export class RedisStreams implements StreamStore {
  constructor(readonly ctx: RedisContext) {}

  takeForBroadcast(): Promise<StoredMessage[]> {
    return missing();
  }

  readHistory(): Promise<StoredMessage[]> {
    return missing();
  }

  restore(): Promise<void> {
    return missing();
  }

  historyTail(): Promise<number> {
    return missing();
  }

  clearHistory(): Promise<void> {
    return missing();
  }
}
