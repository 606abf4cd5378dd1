/**
 * Moves between queues (dead-lettering, redrive) and the registry of queues with due
 * work. Two queues live on two hash slots, which one Redis Cluster script cannot touch
 * together, so a move takes two steps, each atomic on its own slot:
 *
 * 1. a script of the source queue removes the message and records it in the source's
 *    outbox (`dlq-out`) under a move id that is never reused (`<random nonce>:<seq>`);
 * 2. `deliver-15.lua` appends it to the target queue, once per move id (the target keeps
 *    delivered ids in `moved` for {@link MOVE_RECORD_MS}), then the outbox entry is deleted.
 *
 * A daemon that stops between the steps leaves the entry in the outbox: the next script
 * that settles the source queue reports it, and so does the maintenance pass, and whoever
 * sees it delivers it again; the move record turns a second delivery into a no-op. So a
 * message is never lost and never lands twice, but between the steps it is in neither
 * queue (stats and peek of both miss it for that moment). The same two steps run on a
 * standalone Redis, so both behave alike.
 */
import { formatKey } from '../../core/names.js';
import { SettleListeners } from '../settle-events.js';
import type { RedisContext } from './context.js';
import { unexpectedReply } from './errors.js';
import { asArray, asInt, asString } from './replies.js';
import type { RedisClient } from './scripts.js';

/** How long a target remembers a delivered move id; far longer than any retry takes. */
export const MOVE_RECORD_MS = 10 * 60_000;

/** Outbox entries read per HSCAN round. */
const SCAN_COUNT = 100;

/** The source seq a move id `<nonce>:<seq>` ends with. */
function seqOfMove(moveId: string): number {
  return Number(moveId.slice(moveId.lastIndexOf(':') + 1));
}

/** Where a move landed. */
export interface Delivered {
  readonly queue: string;
  readonly key: string;
}

/** Delivers outbox entries and keeps the due registry. */
export class Moves {
  constructor(
    private readonly ctx: RedisContext,
    /** Told the target queue of each delivered move (see Store.onMoved). */
    private readonly moved: (queue: string) => void,
    /** Told the expiry tallies a maintenance step collects (see lib/queue.lua `collectTallies`). */
    private readonly settled: SettleListeners = new SettleListeners(),
  ) {}

  /**
   * Delivers every move waiting in `queue`'s outbox and answers where each landed, by
   * move id. Fails (store_unavailable) when a delivery fails; what was not delivered stays
   * in the outbox for the next try, and the queue is marked due so maintenance retries.
   */
  async drain(queue: string, now: number): Promise<Map<string, Delivered>> {
    const done = new Map<string, Delivered>();
    const outbox = this.ctx.keys.queue(queue).outbox;
    const client = this.ctx.clientFor(queue);
    try {
      const entries = new Map<string, string>();
      let cursor = '0';
      do {
        const [next, flat] = await client.hscan(outbox, cursor, 'COUNT', SCAN_COUNT);
        cursor = next;
        for (let i = 0; i + 1 < flat.length; i += 2) entries.set(flat[i] as string, flat[i + 1] as string);
      } while (cursor !== '0');
      // HSCAN order is arbitrary: deliver in the order the messages had in their queue.
      const ids = [...entries.keys()].sort((x, y) => seqOfMove(x) - seqOfMove(y));
      for (const moveId of ids) {
        done.set(moveId, await this.deliver(moveId, entries.get(moveId) as string, now));
        await client.hdel(outbox, moveId);
      }
    } catch (err) {
      await this.markDue(queue, now);
      throw err;
    }
    return done;
  }

  /** Step 2 of one move: append to the target (idempotent by move id). */
  private async deliver(moveId: string, entry: string, now: number): Promise<Delivered> {
    const bars: number[] = [];
    for (let i = 0; i < entry.length && bars.length < 3; i++) if (entry[i] === '|') bars.push(i);
    if (bars.length < 3) throw unexpectedReply('outbox entry', entry.slice(0, 80));
    const [a, b, c] = bars as [number, number, number];
    const target = entry.slice(0, a);
    await this.ctx.register(target);
    const reply = asArray(
      await this.ctx.queueScript(target, 'deliver-15', [now, moveId, entry.slice(a + 1, b), entry.slice(b + 1, c), entry.slice(c + 1), MOVE_RECORD_MS]),
      'deliver',
    );
    if (asInt(reply[1], 'deliver created') === 1) await this.ctx.register(target, true);
    this.moved(target);
    await this.markDue(target, now + MOVE_RECORD_MS);
    return { queue: target, key: formatKey(target, asInt(reply[0], 'deliver seq')) };
  }

  /**
   * Records that `queue` has due work at `at` (ms) unless it is already known earlier.
   * Best effort: the operation it follows already happened, and any read of the queue
   * settles its due work anyway; only the maintenance of idle queues relies on this.
   */
  async markDue(queue: string, at: number): Promise<void> {
    const keys = [this.ctx.keys.dueRegistry, this.ctx.keys.dueTouches];
    await this.ctx.scripts.run(this.ctx.clients[0] as RedisClient, 'mark-due-2', keys, [queue, Math.floor(at)]).catch(() => undefined);
  }

  /** Like {@link drain}, for paths whose own work already succeeded: failures wait for maintenance. */
  async drainQuietly(queue: string, pending: unknown, now: number): Promise<void> {
    if (asInt(pending, 'pending moves') === 0) return;
    await this.drain(queue, now).catch(() => undefined);
  }

  /**
   * The maintenance step for one registered queue (see maintenance.ts); `touches` is the
   * queue's count in the due-touches hash read before the step ('' when none).
   */
  async maintain(queue: string, touches: string, now: number, limit: number): Promise<void> {
    const reply = asArray(await this.ctx.queueScript(queue, 'maintain-15', [now, limit, this.ctx.nonce()]), 'maintain');
    this.settled.report('expired', queue, asInt(reply[2] ?? 0, 'maintain expired'));
    this.settled.report('lease_dead_lettered', queue, asInt(reply[3] ?? 0, 'maintain lease dead'));
    if (asInt(reply[0], 'maintain pending') > 0) await this.drain(queue, now);
    const next = asString(reply[1], 'maintain next');
    const keys = [this.ctx.keys.dueRegistry, this.ctx.keys.dueTouches];
    await this.ctx.scripts.run(this.ctx.clients[0] as RedisClient, 'settled-2', keys, [queue, touches, next]);
  }
}
