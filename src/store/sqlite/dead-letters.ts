/**
 * Dead letters in the SQLite store: the moves into a dead-letter queue (a message that used
 * its last attempt, at release or when its lease ends) and redrive, the move back. Every
 * move runs inside the caller's transaction, so a message is in exactly one queue.
 */
import { formatKey, parseKey } from '../../core/names.js';
import { deadLetterQueueOf } from '../../core/types.js';
import type { DeadLetterStore, Redriven } from '../contract.js';
import type { DueWork } from './due.js';
import type { GroupCommitter } from './group-commit.js';
import type { MessageGroups } from './groups.js';
import type { Statements } from './statements.js';

/** Synchronous moves over the statements; every method runs inside an open transaction. */
export class DeadLetterMoves {
  constructor(
    private readonly sql: Statements,
    private readonly groups: MessageGroups,
    /** Told the dead-letter queue of each move (see Store.onMoved). */
    private readonly moved: (queue: string) => void,
  ) {}

  /** True when the message has used the queue's last attempt. */
  exhausted(queue: string, attempts: number): { dlq: string | null } | null {
    const q = this.sql.queueRow.get(queue);
    const maxAttempts = q?.max_attempts ?? 0;
    return maxAttempts > 0 && attempts >= maxAttempts ? { dlq: q?.dead_letter ?? null } : null;
  }

  /**
   * Moves one message to the end of its dead-letter queue, keeping its value and recording
   * its source key and attempts; answers the dead-letter queue and new key.
   */
  deadLetter(queue: string, seq: number, configured: string | null, now: number): { queue: string; key: string } | null {
    const row = this.sql.row.get(queue, seq);
    if (row === undefined) return null;
    const dlq = deadLetterQueueOf(queue, { deadLetter: configured });
    this.sql.remove.run(queue, seq);
    const to = this.appendOne(dlq, row.value, now, formatKey(queue, seq), row.attempts);
    this.moved(dlq);
    return { queue: dlq, key: formatKey(dlq, to) };
  }

  /** Appends one ready message at the end of `queue` (creating it); answers its sequence number. */
  appendOne(queue: string, value: string, now: number, deadSource: string | null, deadAttempts: number | null): number {
    const seq = (this.sql.claimSeqs.get(queue, now, 1, 1) as { last_seq: number }).last_seq;
    this.sql.insert.run(queue, seq, value, now, null, 0, deadSource, deadAttempts, this.groups.columnFor(queue, value));
    return seq;
  }
}

/** Dead letters in SQLite. */
export class SqliteDeadLetters implements DeadLetterStore {
  constructor(
    private readonly sql: Statements,
    private readonly due: DueWork,
    private readonly letters: DeadLetterMoves,
    private readonly commits: GroupCommitter,
  ) {}

  redrive(queue: string, limit: number, now: number): Promise<Redriven[]> {
    return this.commits.submitFor(queue, () => {
      this.due.settle(queue, now);
      const moved: Redriven[] = [];
      for (const row of this.sql.deadHead.all(queue, now, limit)) {
        let source: string;
        try {
          source = parseKey(row.dead_source).queue;
        } catch {
          continue; // not written by this store; leave it where it is
        }
        this.sql.remove.run(queue, row.seq);
        const seq = this.letters.appendOne(source, row.value, now, null, null);
        moved.push({ from: formatKey(queue, row.seq), to: formatKey(source, seq) });
      }
      return moved;
    });
  }
}
