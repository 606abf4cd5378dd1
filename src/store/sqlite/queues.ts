/**
 * The SQLite queue role: settings (columns of the queues row), listing, stats and drop
 * (in slices, sweeper.ts).
 */
import { formatKey } from '../../core/names.js';
import type { Policy, QueueSettings, QueueStats, QueueStatus } from '../../core/types.js';
import type { QueueStore } from '../contract.js';
import type { GroupCommitter } from './group-commit.js';
import type { QueueSweeper } from './sweeper.js';
import { settingsOf } from './rows.js';
import { SETTING_COLUMNS } from './statements.js';
import type { SettingField, Statements } from './statements.js';

/** Queue metadata in SQLite. */
export class SqliteQueues implements QueueStore {
  constructor(
    private readonly sql: Statements,
    private readonly commits: GroupCommitter,
    private readonly sweeper: QueueSweeper,
  ) {}

  settings(queue: string): Promise<QueueSettings> {
    return this.commits.submitFor(queue, () => settingsOf(this.sql.queueRow.get(queue)));
  }

  updateSettings(queue: string, patch: Partial<QueueSettings>, now: number): Promise<QueueSettings> {
    return this.commits.submitFor(queue, () => {
      this.sql.ensureQueue.run(queue, now);
      for (const name of Object.keys(SETTING_COLUMNS) as SettingField[]) {
        const value = patch[name];
        if (value !== undefined) this.sql.setColumn[name].run(value, queue);
      }
      return settingsOf(this.sql.queueRow.get(queue));
    });
  }

  list(): Promise<string[]> {
    return this.commits.submit(() => this.sql.list.all().map((r) => r.name));
  }

  stats(queue: string, now: number): Promise<QueueStats | null> {
    return this.commits.submitFor(queue, () => {
      const row = this.sql.queueRow.get(queue);
      if (row === undefined) return null;
      const oldest = this.sql.oldestAny.get(queue, now);
      const counts = this.sql.length.get(queue, now) ?? { n: 0, leased: 0, delayed: 0, dead: 0 };
      return {
        queue,
        length: counts.n,
        ready: counts.n - counts.leased - counts.delayed,
        leased: counts.leased,
        delayed: counts.delayed,
        deadLetters: counts.dead,
        policy: row.policy as Policy,
        status: row.status as QueueStatus,
        published: row.last_seq,
        createdAt: row.created_at,
        oldestKey: oldest === undefined ? null : formatKey(queue, oldest.seq),
        oldestAgeMs: oldest === undefined ? null : Math.max(0, now - oldest.created_at),
      };
    });
  }

  drop(queue: string): Promise<number> {
    return this.sweeper.drop(queue);
  }
}
