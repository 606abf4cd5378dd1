/**
 * The dead-letter role of the Redis store: redrive moves dead letters back to the end of
 * their source queues in the two steps described in moves.ts (never lost, never twice).
 */
import { formatKey } from '../../core/names.js';
import type { DeadLetterStore, Redriven } from '../contract.js';
import type { RedisContext } from './context.js';
import { unexpectedReply } from './errors.js';
import { EXPIRED_BUDGET } from './messages.js';
import type { Moves } from './moves.js';
import { asArray, asInt, asString } from './replies.js';

/** Dead letters in Redis. */
export class RedisDeadLetters implements DeadLetterStore {
  constructor(
    private readonly ctx: RedisContext,
    private readonly moves: Moves,
  ) {}

  redrive(queue: string, limit: number, now: number): Promise<Redriven[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.ctx.call(async () => {
      const reply = asArray(await this.ctx.queueScript(queue, 'redrive-15', [now, limit, EXPIRED_BUDGET, this.ctx.nonce()]), 'redrive');
      const picked: { from: string; moveId: string; target: string }[] = [];
      for (let i = 1; i + 2 < reply.length; i += 3) {
        picked.push({
          from: formatKey(queue, asInt(reply[i], 'redrive seq')),
          moveId: asString(reply[i + 1], 'redrive move id'),
          target: asString(reply[i + 2], 'redrive target'),
        });
      }
      if (picked.length === 0) {
        await this.moves.drainQuietly(queue, reply[0], now);
        return [];
      }
      const landed = await this.moves.drain(queue, now);
      const out: Redriven[] = [];
      for (const p of picked) {
        let to = landed.get(p.moveId)?.key;
        if (to === undefined) {
          const moved = await this.ctx.clientFor(p.target).hget(this.ctx.keys.queue(p.target).moved, p.moveId);
          if (moved === null) throw unexpectedReply('redrive move', p.moveId);
          to = formatKey(p.target, asInt(moved, 'moved seq'));
        }
        out.push({ from: p.from, to });
      }
      return out;
    });
  }
}
