/**
 * The SQLite message role: append (plain and guarded), take, read, peek. Every call is one
 * group-committed step; reads of ready messages settle the queue's due work first.
 */
import { formatKey } from '../../core/names.js';
import type { NewMessage, StoredMessage } from '../../core/types.js';
import type { MessageStore, PublishGuard, PublishOutcome } from '../contract.js';
import type { DueWork } from './due.js';
import type { GroupCommitter } from './group-commit.js';
import { toMessage } from './statements.js';
import type { Statements } from './statements.js';

/** Messages in SQLite. */
export class SqliteMessages implements MessageStore {
  constructor(
    private readonly sql: Statements,
    private readonly due: DueWork,
    private readonly commits: GroupCommitter,
  ) {}

  append(queue: string, messages: readonly NewMessage[], now: number): Promise<string[]> {
    return this.commits.submit(() => this.insertAll(queue, messages, now));
  }

  publish(queue: string, messages: readonly NewMessage[], guard: PublishGuard, now: number): Promise<PublishOutcome> {
    return this.commits.submit((): PublishOutcome => {
      const keys: (string | null)[] = messages.map(() => null);
      const duplicate = messages.map(() => false);
      const seen = new Map<string, number>();
      if (guard.dedupWindowMs > 0) {
        messages.forEach((m, i) => {
          if (m.dedupId === undefined) return;
          const earlier = seen.get(m.dedupId);
          const known = earlier === undefined ? this.sql.dedupGet.get(queue, m.dedupId, now) : undefined;
          if (earlier !== undefined || known !== undefined) {
            duplicate[i] = true;
            if (known !== undefined) keys[i] = formatKey(queue, known.seq);
          } else {
            seen.set(m.dedupId, i);
          }
        });
      }
      const fresh = messages.filter((_, i) => !duplicate[i]);
      if (guard.maxLength !== null && fresh.length > 0) {
        let stored = this.sql.queueRow.get(queue)?.stored ?? 0;
        if (stored + fresh.length > guard.maxLength) {
          this.sql.expireIn.run(queue, now); // expired messages do not count; reclaim them first
          stored = this.sql.queueRow.get(queue)?.stored ?? 0;
          if (stored + fresh.length > guard.maxLength) return { kind: 'full', length: stored };
        }
      }
      const freshKeys = fresh.length === 0 ? [] : this.insertAll(queue, fresh, now);
      let next = 0;
      messages.forEach((m, i) => {
        if (duplicate[i]) return;
        const key = freshKeys[next++] as string;
        keys[i] = key;
        if (m.dedupId !== undefined && guard.dedupWindowMs > 0) {
          this.sql.dedupPut.run(queue, m.dedupId, Number(key.slice(key.lastIndexOf(':') + 1)), now + guard.dedupWindowMs);
        }
      });
      // A repeat inside the same batch answers the key its first occurrence just got.
      messages.forEach((m, i) => {
        if (keys[i] === null && m.dedupId !== undefined) keys[i] = keys[seen.get(m.dedupId) ?? -1] ?? null;
      });
      return { kind: 'stored', keys: keys.map((k) => k ?? ''), duplicate };
    });
  }

  take(queue: string, limit: number, now: number): Promise<StoredMessage[]> {
    return this.commits.submit(() => {
      this.due.settle(queue, now);
      if (limit === 1) {
        const row = this.sql.takeOne.get(queue, queue, now);
        return row === undefined ? [] : [toMessage(queue, row)];
      }
      const rows = this.sql.takeMany.all(queue, queue, now, limit);
      return rows.sort((a, b) => a.seq - b.seq).map((r) => toMessage(queue, r));
    });
  }

  readOldest(queue: string, now: number): Promise<StoredMessage | null> {
    return this.commits.submit(() => {
      this.due.settle(queue, now);
      const row = this.sql.oldestReady.get(queue, now);
      if (row === undefined) return null;
      this.sql.countRead.run(queue, row.seq);
      return toMessage(queue, { ...row, reads: row.reads + 1 });
    });
  }

  latestKeys(queue: string, limit: number): Promise<string[]> {
    return this.commits.submit(() => this.sql.latest.all(queue, limit).map((r) => formatKey(queue, r.seq)));
  }

  remove(queue: string, seq: number): Promise<boolean> {
    return this.commits.submit(() => this.sql.remove.run(queue, seq).changes > 0);
  }

  purge(queue: string): Promise<number> {
    return this.commits.submit(() => this.sql.purge.run(queue).changes);
  }

  peek(queue: string, limit: number, now: number): Promise<StoredMessage[]> {
    return this.commits.submit(() => {
      this.due.settle(queue, now);
      return this.sql.peek.all(queue, now, limit).map((r) => toMessage(queue, r));
    });
  }

  read(queue: string, seq: number, now: number): Promise<StoredMessage | null> {
    return this.commits.submit(() => {
      this.due.settle(queue, now);
      const row = this.sql.row.get(queue, seq);
      if (row === undefined || (row.expires_at !== null && row.expires_at <= now)) return null;
      return toMessage(queue, row);
    });
  }

  nextDueAt(queue: string, now: number): Promise<number | null> {
    return this.commits.submit(() => this.sql.nextDue.get(queue, now)?.at ?? null);
  }

  private insertAll(queue: string, messages: readonly NewMessage[], now: number): string[] {
    this.sql.ensureQueue.run(queue, now);
    const last = (this.sql.bumpSeq.get(messages.length, queue) as { last_seq: number }).last_seq;
    const first = last - messages.length + 1;
    return messages.map((m, i) => {
      const visibleAt = m.visibleAt !== undefined && m.visibleAt > now ? m.visibleAt : 0;
      this.sql.insert.run(queue, first + i, m.value, now, m.expiresAt, visibleAt, null, null);
      return formatKey(queue, first + i);
    });
  }
}
