/**
 * Moves between queues (dead-lettering, redrive). Two queues live on two hash slots, which one Redis Cluster script cannot touch
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
import { at } from '../../core/checked.js';
import { formatKey } from '../../core/names.js';
import { SettleListeners } from '../settle-events.js';
import type { RedisContext } from './context.js';
import { unexpectedReply } from './errors.js';
import { asArray, asInt } from './replies.js';

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

/** Delivers outbox entries. */
export class Moves {
  constructor(
    private readonly ctx: RedisContext,
    /** Told the target queue of each delivered move (see Store.onMoved). */
    private readonly moved: (queue: string) => void,
    /** Told the expiry tallies a maintenance step collects (see lib/queue.lua `collectTallies`). */
    readonly settled: SettleListeners = new SettleListeners(),
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
        for (let i = 0; i + 1 < flat.length; i += 2) entries.set(at(flat, i, 'outbox field'), at(flat, i + 1, 'outbox entry'));
      } while (cursor !== '0');
      // HSCAN order is arbitrary: deliver in the order the messages had in their queue.
      const ids = [...entries.keys()].sort((x, y) => seqOfMove(x) - seqOfMove(y));
      for (const moveId of ids) {
        done.set(moveId, await this.deliver(moveId, entries.get(moveId) ?? '', now));
        await client.hdel(outbox, moveId);
      }
    } catch (err) {
      await this.ctx.due.mark(queue, now);
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
    await this.ctx.due.mark(target, now + MOVE_RECORD_MS);
    return { queue: target, key: formatKey(target, asInt(reply[0], 'deliver seq')) };
  }

  /** Like {@link drain}, for paths whose own work already succeeded: failures wait for maintenance. */
  async drainQuietly(queue: string, pending: unknown, now: number): Promise<void> {
    if (asInt(pending, 'pending moves') === 0) return;
    await this.drain(queue, now).catch(this.ctx.failures.handler('dead-letter delivery'));
  }
}
