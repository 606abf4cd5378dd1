/**
 * The registry of queues with due work: a sorted set (keys.ts `dueRegistry`) scored by the
 * time a queue next has something to settle (a delay ending, a lease expiring, a move
 * record to forget), plus a hash of how often each entry was touched, so a queue re-marked
 * while maintenance settled it is not forgotten. Scripts that create due work report it and
 * the store marks it here; the maintenance pass (maintenance.ts) reads it.
 */
import type { BackgroundFailures } from '../background-failures.js';
import type { RedisClient } from './connection.js';
import type { KeySpace } from './keys.js';
import type { Scripts } from './scripts.js';

/** Marks, lists and settles entries of the due registry. */
export class DueRegistry {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySpace,
    private readonly scripts: Scripts,
    private readonly failures: BackgroundFailures,
  ) {}

  /**
   * Records that `queue` has due work at `at` (ms) unless it is already known earlier.
   * Best effort: the operation it follows already happened, and any read of the queue
   * settles its due work anyway; only the maintenance of idle queues relies on this.
   */
  async mark(queue: string, at: number): Promise<void> {
    await this.scripts.run(this.client, 'mark-due-2', [this.keys.dueRegistry, this.keys.dueTouches], [queue, Math.floor(at)]).catch(this.failures.handler('due registry mark'));
  }

  /** Up to `limit` queues due at `now`, each with its touch count ('' when none). */
  async dueAt(now: number, limit: number): Promise<{ readonly queue: string; readonly touches: string }[]> {
    const queues = await this.client.zrangebyscore(this.keys.dueRegistry, '-inf', Math.floor(now), 'LIMIT', 0, limit);
    if (queues.length === 0) return [];
    const touches = await this.client.hmget(this.keys.dueTouches, ...queues);
    return queues.map((queue, i) => ({ queue, touches: touches[i] ?? '' }));
  }

  /**
   * Records that maintenance settled `queue`: its entry goes, or moves to `next` (ms, ''
   * when nothing is due), unless it was touched again since `touches` was read.
   */
  async settled(queue: string, touches: string, next: string): Promise<void> {
    await this.scripts.run(this.client, 'settled-2', [this.keys.dueRegistry, this.keys.dueTouches], [queue, touches, next]);
  }
}
