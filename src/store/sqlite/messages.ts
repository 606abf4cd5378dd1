/**
 * The SQLite message role: append (plain and guarded), take, read, peek. Every call is one
 * group-committed step; reads of ready messages settle the queue's due work first.
 */
import { at } from '../../core/checked.js';
import { formatKey } from '../../core/names.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../core/types.js';
import type { NewMessage, StoredMessage } from '../../core/types.js';
import { fittingCount } from '../byte-budget.js';
import type { MessageStore, PublishEntry, PublishOutcome } from '../contract.js';
import type { DueWork } from './due.js';
import type { GroupCommitter } from './group-commit.js';
import type { MessageGroups } from './groups.js';
import type { QueueSweeper } from './sweeper.js';
import { toMessage } from './rows.js';
import type { MessageRow } from './rows.js';
import type { Statements } from './statements.js';

/** Messages in SQLite. */
export class SqliteMessages implements MessageStore {
  constructor(
    private readonly sql: Statements,
    private readonly due: DueWork,
    private readonly commits: GroupCommitter,
    private readonly sweeper: QueueSweeper,
    private readonly groups: MessageGroups,
  ) {}

  publish(queue: string, entries: readonly PublishEntry[], now: number): Promise<PublishOutcome> {
    return this.commits.submitFor(queue, (): PublishOutcome => {
      const row = this.sql.publishRow.get(queue);
      const windowMs = (row?.dedup_window_s ?? DEFAULT_QUEUE_SETTINGS.dedupWindowSeconds) * 1000;
      const maxLength = row === undefined ? DEFAULT_QUEUE_SETTINGS.maxLength : row.max_length;
      const ttlS = row === undefined ? DEFAULT_QUEUE_SETTINGS.ttlSeconds : row.ttl_s;
      const delayS = row?.delay_s ?? DEFAULT_QUEUE_SETTINGS.delaySeconds;
      const keys: (string | null)[] = entries.map(() => null);
      const duplicate = entries.map(() => false);
      const firstOf = new Map<string, number>();
      if (windowMs > 0) {
        entries.forEach((e, i) => {
          if (e.dedupId === undefined || e.dedupId === null) return;
          const earlier = firstOf.get(e.dedupId);
          const known = earlier === undefined ? this.sql.dedupGet.get(queue, e.dedupId, now) : undefined;
          if (earlier !== undefined || known !== undefined) {
            duplicate[i] = true;
            if (known !== undefined) keys[i] = formatKey(queue, known.seq);
          } else {
            firstOf.set(e.dedupId, i);
          }
        });
      }
      const fresh = entries.filter((_, i) => !duplicate[i]);
      if (maxLength !== null && fresh.length > 0) {
        let stored = row?.stored ?? 0;
        if (stored + fresh.length > maxLength) {
          // Expired messages do not count; reclaim them first.
          this.due.settled.report('expired', queue, this.sql.expireIn.run(queue, now).changes);
          stored = this.sql.publishRow.get(queue)?.stored ?? 0;
          if (stored + fresh.length > maxLength) return { kind: 'full', length: stored };
        }
      }
      const freshKeys = fresh.length === 0 ? [] : this.insertAll(queue, fresh.map((e) => {
        const ttlMs = e.ttlMs ?? (ttlS === null ? null : ttlS * 1000);
        const delayMs = e.delayMs ?? delayS * 1000;
        return { value: e.value, expiresAt: ttlMs === null ? null : now + ttlMs, visibleAt: delayMs > 0 ? now + delayMs : 0 };
      }), now);
      let next = 0;
      entries.forEach((e, i) => {
        if (duplicate[i]) return;
        const key = at(freshKeys, next++);
        keys[i] = key;
        if (e.dedupId !== undefined && e.dedupId !== null && windowMs > 0) {
          this.sql.dedupPut.run(queue, e.dedupId, Number(key.slice(key.lastIndexOf(':') + 1)), now + windowMs);
        }
      });
      // A repeat inside the same batch answers the key its first occurrence just got.
      entries.forEach((e, i) => {
        if (keys[i] === null && e.dedupId !== undefined && e.dedupId !== null) keys[i] = keys[firstOf.get(e.dedupId) ?? -1] ?? null;
      });
      return { kind: 'stored', keys: keys.map((k) => k ?? ''), duplicate };
    });
  }

  take(queue: string, limit: number, now: number, maxBytes?: number): Promise<StoredMessage[]> {
    return this.commits.submitFor(queue, () => {
      this.due.settle(queue, now);
      if (this.groups.has(queue)) {
        return this.groups.free(queue, now, limit, maxBytes).map((seq) => toMessage(queue, this.sql.takeSeq.get(queue, seq) as MessageRow));
      }
      // Sized first, in the same transaction, so only what fits leaves the queue.
      const count = maxBytes !== undefined && limit > 1 ? fittingCount(this.sql.readySizes.all(queue, now, limit).map((r) => r.bytes), maxBytes) : limit;
      if (count === 0) return [];
      if (count === 1) {
        const row = this.sql.takeOne.get(queue, queue, now);
        return row === undefined ? [] : [toMessage(queue, row)];
      }
      const rows = this.sql.takeMany.all(queue, queue, now, count);
      return rows.sort((a, b) => a.seq - b.seq).map((r) => toMessage(queue, r));
    });
  }

  readOldest(queue: string, now: number): Promise<StoredMessage | null> {
    return this.commits.submitFor(queue, () => {
      this.due.settle(queue, now);
      const row = this.sql.oldestReady.get(queue, now);
      if (row === undefined) return null;
      this.sql.countRead.run(queue, row.seq);
      return toMessage(queue, { ...row, reads: row.reads + 1 });
    });
  }

  latestKeys(queue: string, limit: number): Promise<string[]> {
    return this.commits.submitFor(queue, () => this.sql.latest.all(queue, limit).map((r) => formatKey(queue, r.seq)));
  }

  remove(queue: string, seq: number): Promise<boolean> {
    return this.commits.submitFor(queue, () => this.sql.remove.run(queue, seq).changes > 0);
  }

  purge(queue: string): Promise<number> {
    return this.sweeper.purge(queue);
  }

  peek(queue: string, limit: number, now: number, maxBytes?: number): Promise<StoredMessage[]> {
    return this.commits.submitFor(queue, () => {
      this.due.settle(queue, now);
      if (maxBytes === undefined) return this.sql.peek.all(queue, now, limit).map((r) => toMessage(queue, r));
      // Row by row, so at most one value past the budget is ever read.
      const out: StoredMessage[] = [];
      let bytes = 0;
      for (const row of this.sql.peek.iterate(queue, now, limit)) {
        bytes += Buffer.byteLength(row.value, 'utf8');
        if (out.length > 0 && bytes > maxBytes) break;
        out.push(toMessage(queue, row));
      }
      return out;
    });
  }

  read(queue: string, seq: number, now: number): Promise<StoredMessage | null> {
    return this.commits.submitFor(queue, () => {
      this.due.settle(queue, now);
      const row = this.sql.row.get(queue, seq);
      if (row === undefined || (row.expires_at !== null && row.expires_at <= now)) return null;
      return toMessage(queue, row);
    });
  }

  nextDueAt(queue: string, now: number): Promise<number | null> {
    return this.commits.submitFor(queue, () => this.sql.nextDue.get(queue, now)?.at ?? null);
  }

  private insertAll(queue: string, messages: readonly NewMessage[], now: number): string[] {
    const last = (this.sql.claimSeqs.get(queue, now, messages.length, messages.length) as { last_seq: number }).last_seq;
    const first = last - messages.length + 1;
    return messages.map((m, i) => {
      const visibleAt = m.visibleAt !== undefined && m.visibleAt > now ? m.visibleAt : 0;
      this.sql.insert.run(queue, first + i, m.value, now, m.expiresAt, visibleAt, null, null, this.groups.columnFor(queue, m.value));
      return formatKey(queue, first + i);
    });
  }
}
