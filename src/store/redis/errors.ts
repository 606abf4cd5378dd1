/**
 * The one place where a Redis failure (connection lost, command timeout, a script error,
 * a cluster that is down) becomes a catalog error. Every call the Redis store and the
 * import make goes through {@link guard}, so callers only ever see `store_unavailable`.
 */
import { RestMQError, isRestMQError } from '../../core/errors.js';

/**
 * The catalog error for a failed Redis call: the catalog message only, so no driver text
 * reaches a client; the driver's error stays in `cause` for the logs.
 */
export function toStoreError(err: unknown): RestMQError {
  if (isRestMQError(err)) return err;
  return new RestMQError('store_unavailable', undefined, { cause: err });
}

/** Awaits `work` and rethrows any failure as `store_unavailable`. */
export async function guard<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw toStoreError(err);
  }
}

/** Thrown when Redis answers with a shape the scripts never produce: a bug or a foreign key. */
export function unexpectedReply(what: string, reply: unknown): Error {
  return new Error(`unexpected Redis reply for ${what}: ${JSON.stringify(reply)?.slice(0, 200) ?? String(reply)}`);
}
