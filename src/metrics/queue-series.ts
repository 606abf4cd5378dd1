/**
 * Per-queue series of /metrics with a bounded label set: the `cap` deepest queues keep
 * their own `queue` label and every other one is summed into `queue="_other"`, so a daemon
 * with a million queues still answers a scrape of bounded size.
 */
import type { QueueStats } from '../core/types.js';

/** The label value of the summed series; a real queue of this name is always summed into it. */
export const OTHER_QUEUES = '_other';

/** One row of per-queue figures. */
export interface QueueFigures {
  readonly queue: string;
  readonly ready: number;
  readonly leased: number;
  readonly delayed: number;
  readonly deadLetters: number;
  /** Age of the oldest message in seconds; 0 when empty (the largest one for `_other`). */
  readonly oldestAgeSeconds: number;
}

function figures(queue: string, s: QueueStats): QueueFigures {
  return { queue, ready: s.ready, leased: s.leased, delayed: s.delayed, deadLetters: s.deadLetters, oldestAgeSeconds: (s.oldestAgeMs ?? 0) / 1000 };
}

/**
 * The rows to export: the `cap` deepest queues (by length, then name) in name order, then
 * one `_other` row summing the rest when there is any.
 */
export function capQueues(stats: readonly QueueStats[], cap: number): QueueFigures[] {
  const deepest = [...stats].filter((s) => s.queue !== OTHER_QUEUES).sort((a, b) => b.length - a.length || (a.queue < b.queue ? -1 : 1));
  const own = new Set(deepest.slice(0, cap).map((s) => s.queue));
  const rows = stats.filter((s) => own.has(s.queue)).map((s) => figures(s.queue, s)).sort((a, b) => (a.queue < b.queue ? -1 : 1));
  const rest = stats.filter((s) => !own.has(s.queue));
  if (rest.length === 0) return rows;
  let ready = 0, leased = 0, delayed = 0, deadLetters = 0, oldest = 0;
  for (const s of rest) {
    ready += s.ready;
    leased += s.leased;
    delayed += s.delayed;
    deadLetters += s.deadLetters;
    oldest = Math.max(oldest, (s.oldestAgeMs ?? 0) / 1000);
  }
  rows.push({ queue: OTHER_QUEUES, ready, leased, delayed, deadLetters, oldestAgeSeconds: oldest });
  return rows;
}
