/**
 * The lease role of the Redis store. A lease is state in Redis (the
 * message leaves `ready` for `held`/`due`, its receipt in `lease`), so every daemon
 * honours it and it survives a daemon restart. A release past the last attempt moves the
 * message to its dead-letter queue in the two steps described in moves.ts.
 */
import { at as element } from '../../core/checked.js';
import { formatKey } from '../../core/names.js';
import type { LeasedMessage } from '../../core/types.js';
import type { AckEntry, LeaseRefusal, LeaseStore, ReleaseOutcome } from '../contract.js';
import type { RedisContext } from './context.js';
import { unexpectedReply } from './errors.js';
import { EXPIRED_BUDGET } from './messages.js';
import type { Moves } from './moves.js';
import { asArray, asInt, asString, decodeRows } from './replies.js';

function refusalOf(reply: unknown, what: string): LeaseRefusal {
  if (reply === 'stale' || reply === 'expired') return reply;
  throw unexpectedReply(what, reply);
}

/** Leases in Redis. */
export class RedisLeases implements LeaseStore {
  constructor(
    private readonly ctx: RedisContext,
    private readonly moves: Moves,
  ) {}

  lease(queue: string, receipts: readonly string[], leaseMs: number | null, now: number, maxBytes?: number): Promise<LeasedMessage[]> {
    if (receipts.length === 0) return Promise.resolve([]);
    return this.ctx.call(async () => {
      const out: LeasedMessage[] = [];
      let bytes = 0;
      let pending: unknown = 0;
      for (;;) {
        const wanted = receipts.slice(out.length);
        const bound = maxBytes === undefined ? '' : maxBytes - bytes;
        const reply = asArray(
          await this.ctx.queueScript(queue, 'lease-15', [now, leaseMs === null ? '' : Math.floor(leaseMs), EXPIRED_BUDGET, this.ctx.nonce(), bound, out.length === 0 ? '1' : '0', ...wanted]),
          'lease',
        );
        pending = reply[1];
        const leaseExpiresAt = asInt(reply[2], 'lease until');
        const got = decodeRows(queue, reply, 3);
        got.forEach((m, i) => out.push({ ...m, receipt: element(wanted, i), leaseExpiresAt }));
        bytes += got.reduce((sum, m) => sum + Buffer.byteLength(m.value, 'utf8'), 0);
        if (got.length > 0) await this.ctx.due.mark(queue, leaseExpiresAt);
        if (reply[0] !== 1 || out.length >= receipts.length) break;
      }
      await this.moves.drainQuietly(queue, pending, now);
      return out;
    });
  }

  ack(queue: string, seq: number, receipt: string, now: number): Promise<'acked' | LeaseRefusal> {
    return this.ctx.call(async () => {
      const reply = await this.ctx.queueScript(queue, 'ack-15', [seq, receipt, now]);
      return reply === 'acked' ? 'acked' : refusalOf(reply, 'ack');
    });
  }

  ackMany(queue: string, entries: readonly AckEntry[], now: number): Promise<('acked' | LeaseRefusal)[]> {
    if (entries.length === 0) return Promise.resolve([]);
    return this.ctx.call(async () => {
      const reply = asArray(await this.ctx.queueScript(queue, 'ack-many-15', [now, ...entries.flatMap((e) => [e.seq, e.receipt])]), 'ack many');
      if (reply.length !== entries.length) throw unexpectedReply('ack many', reply);
      return reply.map((r) => (r === 'acked' ? 'acked' : refusalOf(r, 'ack many')));
    });
  }

  release(queue: string, seq: number, receipt: string, visibleAt: number, now: number): Promise<ReleaseOutcome> {
    return this.ctx.call(async (): Promise<ReleaseOutcome> => {
      const reply = asArray(await this.ctx.queueScript(queue, 'release-15', [seq, receipt, Math.floor(visibleAt), now, this.ctx.nonce()]), 'release');
      switch (reply[0]) {
        case 'stale':
        case 'expired':
          return { kind: reply[0] };
        case 'released': {
          const at = asInt(reply[1], 'release visibleAt');
          if (at > now) await this.ctx.due.mark(queue, at);
          return { kind: 'released', visibleAt: at };
        }
        case 'dead': {
          const moveId = asString(reply[2], 'release move id');
          const landed = (await this.moves.drain(queue, now)).get(moveId);
          // Another daemon's drain may have delivered it first: the target records the move.
          if (landed !== undefined) return { kind: 'dead_lettered', queue: landed.queue, key: landed.key };
          const dlq = asString(reply[1], 'release dead-letter queue');
          const moved = await this.ctx.clientFor(dlq).hget(this.ctx.keys.queue(dlq).moved, moveId);
          if (moved === null) throw unexpectedReply('dead-letter move', moveId);
          return { kind: 'dead_lettered', queue: dlq, key: formatKey(dlq, asInt(moved, 'moved seq')) };
        }
        default:
          throw unexpectedReply('release', reply);
      }
    });
  }

  extend(queue: string, seq: number, receipt: string, leaseUntil: number, now: number): Promise<{ readonly leaseExpiresAt: number } | LeaseRefusal> {
    return this.ctx.call(async () => {
      const reply = await this.ctx.queueScript(queue, 'extend-15', [seq, receipt, Math.floor(leaseUntil), now]);
      if (reply !== 'extended') return refusalOf(reply, 'extend');
      await this.ctx.due.mark(queue, leaseUntil);
      return { leaseExpiresAt: leaseUntil };
    });
  }
}
