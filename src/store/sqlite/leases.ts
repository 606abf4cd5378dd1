/**
 * The SQLite lease role. A lease is a row state (visible_at = lease end,
 * receipt set), so leases live in the database and survive a restart.
 */
import { at } from '../../core/checked.js';
import type { LeasedMessage } from '../../core/types.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../core/types.js';
import { fittingCount } from '../byte-budget.js';
import type { AckEntry, LeaseRefusal, LeaseStore, ReleaseOutcome } from '../contract.js';
import type { DeadLetterMoves } from './dead-letters.js';
import type { DueWork } from './due.js';
import type { GroupCommitter } from './group-commit.js';
import type { MessageGroups } from './groups.js';
import { toMessage } from './rows.js';
import type { MessageRow } from './rows.js';
import type { Statements } from './statements.js';

/** Leases in SQLite. */
export class SqliteLeases implements LeaseStore {
  constructor(
    private readonly sql: Statements,
    private readonly due: DueWork,
    private readonly letters: DeadLetterMoves,
    private readonly commits: GroupCommitter,
    private readonly groups: MessageGroups,
  ) {}

  lease(queue: string, receipts: readonly string[], leaseMs: number | null, now: number, maxBytes?: number): Promise<LeasedMessage[]> {
    return this.commits.submitFor(queue, () => {
      this.due.settle(queue, now);
      const leaseUntil = now + (leaseMs ?? (this.sql.queueRow.get(queue)?.lease_s ?? DEFAULT_QUEUE_SETTINGS.leaseSeconds) * 1000);
      if (this.groups.has(queue)) return this.leaseEach(queue, this.groups.free(queue, now, receipts.length, maxBytes), receipts, leaseUntil, now);
      const sized = maxBytes !== undefined && receipts.length > 1 ? this.sql.readySizes.all(queue, now, receipts.length) : null;
      const heads = sized === null ? this.sql.readyHead.all(queue, now, receipts.length) : sized.slice(0, fittingCount(sized.map((r) => r.bytes), maxBytes));
      return this.leaseEach(queue, heads.map((h) => h.seq), receipts, leaseUntil, now);
    });
  }

  /** Leases the messages `seqs` until `leaseUntil`, the i-th under `receipts[i]`. */
  private leaseEach(queue: string, seqs: readonly number[], receipts: readonly string[], leaseUntil: number, now: number): LeasedMessage[] {
    return seqs.map((seq, i) => {
      const receipt = at(receipts, i);
      const row = this.sql.lease.get(leaseUntil, receipt, now, queue, seq) as MessageRow;
      return { ...toMessage(queue, row), receipt, leaseExpiresAt: leaseUntil };
    });
  }

  ack(queue: string, seq: number, receipt: string, now: number): Promise<'acked' | LeaseRefusal> {
    return this.commits.submitFor(queue, () => this.ackOne(queue, seq, receipt, now));
  }

  ackMany(queue: string, entries: readonly AckEntry[], now: number): Promise<('acked' | LeaseRefusal)[]> {
    return this.commits.submitFor(queue, () => entries.map((e) => this.ackOne(queue, e.seq, e.receipt, now)));
  }

  private ackOne(queue: string, seq: number, receipt: string, now: number): 'acked' | LeaseRefusal {
    const refusal = this.check(queue, seq, receipt, now);
    if (refusal !== null) return refusal;
    this.sql.remove.run(queue, seq);
    return 'acked';
  }

  release(queue: string, seq: number, receipt: string, visibleAt: number, now: number): Promise<ReleaseOutcome> {
    return this.commits.submitFor(queue, (): ReleaseOutcome => {
      const refusal = this.check(queue, seq, receipt, now);
      if (refusal !== null) return { kind: refusal };
      const row = this.sql.row.get(queue, seq) as MessageRow;
      const exhausted = this.letters.exhausted(queue, row.attempts);
      if (exhausted !== null) {
        const moved = this.letters.deadLetter(queue, seq, exhausted.dlq, now);
        if (moved !== null) return { kind: 'dead_lettered', queue: moved.queue, key: moved.key };
      }
      if (visibleAt > now) {
        this.sql.makeReady.run(queue, seq);
        this.sql.setVisible.run(visibleAt, queue, seq);
        return { kind: 'released', visibleAt };
      }
      this.sql.makeReady.run(queue, seq);
      return { kind: 'released', visibleAt: now };
    });
  }

  extend(
    queue: string,
    seq: number,
    receipt: string,
    leaseUntil: number,
    now: number,
  ): Promise<{ readonly leaseExpiresAt: number } | LeaseRefusal> {
    return this.commits.submitFor(queue, () => {
      const refusal = this.check(queue, seq, receipt, now);
      if (refusal !== null) return refusal;
      this.sql.setVisible.run(leaseUntil, queue, seq);
      return { leaseExpiresAt: leaseUntil };
    });
  }

  /** Null when `receipt` names the current, unexpired lease of the message. */
  private check(queue: string, seq: number, receipt: string, now: number): LeaseRefusal | null {
    const row = this.sql.row.get(queue, seq);
    if (row === undefined || row.receipt === null || row.receipt !== receipt) return 'stale';
    if (row.visible_at <= now) return 'expired';
    return null;
  }
}
