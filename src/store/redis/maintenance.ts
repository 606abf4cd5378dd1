/**
 * The Redis store's maintenance pass, like the SQLite store's: every few seconds each
 * daemon settles the queues whose due work has come (delays, expired leases and the dead
 * letters they make, moves left in an outbox) and forgets expired dedup ids and move
 * records, so idle queues do not keep leased messages hidden or dedup ids forever.
 *
 * The queues to visit come from the due registry (keys.ts `dueRegistry`), a sorted set
 * the daemons keep after each script that creates due work. Any number of daemons may run
 * the pass at once: each step is an atomic script and deliveries are idempotent.
 */
import type { Clock, Timer } from '../../core/clock.js';
import type { RedisContext } from './context.js';
import type { Moves } from './moves.js';
import { asArray, asInt, asString } from './replies.js';

/** Queues visited per pass; the rest wait for the next one. */
export const QUEUES_PER_PASS = 100;

/** Due items settled per queue per pass. */
export const SETTLE_PER_QUEUE = 1000;

/** Runs the pass on a timer until stopped. */
export class Maintenance {
  private readonly timer: Timer;
  private running: Promise<void> | null = null;

  constructor(
    private readonly ctx: RedisContext,
    private readonly moves: Moves,
    intervalMs: number,
    private readonly clock: Clock,
  ) {
    this.timer = clock.setInterval(() => {
      this.running ??= this.pass(this.clock.now())
        .catch(this.ctx.failures.handler('maintenance')) // requests and /readyz report an outage too
        .finally(() => {
          this.running = null;
        });
    }, intervalMs);
    this.timer.unref();
  }

  /** One pass over the queues due at `now`. */
  async pass(now: number): Promise<void> {
    const due = await this.ctx.call(() => this.ctx.due.dueAt(now, QUEUES_PER_PASS));
    for (const { queue, touches } of due) {
      await this.ctx.call(() => this.settle(queue, touches, now, SETTLE_PER_QUEUE));
    }
  }

  /**
   * The step for one registered queue: settle up to `limit` due items, deliver the moves
   * that made, and update its registry entry; `touches` is its touch count read before.
   */
  private async settle(queue: string, touches: string, now: number, limit: number): Promise<void> {
    const reply = asArray(await this.ctx.queueScript(queue, 'maintain-15', [now, limit, this.ctx.nonce()]), 'maintain');
    this.moves.settled.report('expired', queue, asInt(reply[2] ?? 0, 'maintain expired'));
    this.moves.settled.report('lease_dead_lettered', queue, asInt(reply[3] ?? 0, 'maintain lease dead'));
    if (asInt(reply[0], 'maintain pending') > 0) await this.moves.drain(queue, now);
    await this.ctx.due.settled(queue, touches, asString(reply[1], 'maintain next'));
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.timer.cancel();
    await this.running;
  }
}
