/**
 * The dashboard's hour of per-queue history, kept in memory by each daemon: one ring of
 * sample times shared by every queue, and per queue a ring of its counts at those times.
 * Memory is bounded twice: a fixed number of points, and at most {@link MAX_HISTORY_QUEUES}
 * queues (the first ones seen keep their place; a queue that disappears frees it).
 */
import type { QueueStats } from '../core/types.js';

/** Most queues with a history at once: about 6 KB each at the default 225 points. */
export const MAX_HISTORY_QUEUES = 1000;

/** Most points kept per queue, whatever the step (a short step then covers less than an hour). */
export const MAX_HISTORY_POINTS = 450;

/** The span the chart shows when the step allows it, ms. */
export const HISTORY_SPAN_MS = 3_600_000;

/** Values per point of a queue: ready, leased, delayed, dead letters. */
const COUNTS = 4;

/** One queue's history as columns, oldest point first. */
export interface QueueHistory {
  /** Sample times, ms since the epoch. */
  readonly t: number[];
  readonly ready: number[];
  readonly leased: number[];
  readonly delayed: number[];
  readonly dead: number[];
  /** Messages ever published to the queue at each time (rates are its differences). */
  readonly published: number[];
}

class QueueRing {
  readonly counts: Uint32Array;
  readonly published: Float64Array;

  constructor(
    size: number,
    /** The ring's total points recorded when this queue got its first one. */
    readonly since: number,
  ) {
    this.counts = new Uint32Array(size * COUNTS);
    this.published = new Float64Array(size);
  }
}

const clamp = (n: number): number => Math.min(Math.max(0, Math.trunc(n)), 0xffff_ffff);

/** The rings; {@link record} once per history step, {@link series} for the chart. */
export class HistoryRing {
  /** Points kept per queue. */
  readonly size: number;
  private readonly times: Float64Array;
  private readonly queues = new Map<string, QueueRing>();
  /** Points recorded so far (the next one goes to `recorded % size`). */
  private recorded = 0;

  constructor(
    /** Time between points, ms. */
    readonly stepMs: number,
    private readonly maxQueues = MAX_HISTORY_QUEUES,
  ) {
    this.size = Math.min(MAX_HISTORY_POINTS, Math.ceil(HISTORY_SPAN_MS / stepMs));
    this.times = new Float64Array(this.size);
  }

  /** Queues with a history now. */
  get tracked(): number {
    return this.queues.size;
  }

  /** Records one point of every queue in `stats`; queues absent from it lose their history. */
  record(at: number, stats: readonly QueueStats[]): void {
    const slot = this.recorded % this.size;
    const seen = new Set(stats.map((s) => s.queue));
    // Forget the queues that are gone first, so a new queue may take a freed place at once.
    for (const name of [...this.queues.keys()]) if (!seen.has(name)) this.queues.delete(name);
    for (const s of stats) {
      let ring = this.queues.get(s.queue);
      if (ring === undefined) {
        if (this.queues.size >= this.maxQueues) continue;
        ring = new QueueRing(this.size, this.recorded);
        this.queues.set(s.queue, ring);
      }
      const at4 = slot * COUNTS;
      ring.counts[at4] = clamp(s.ready);
      ring.counts[at4 + 1] = clamp(s.leased);
      ring.counts[at4 + 2] = clamp(s.delayed);
      ring.counts[at4 + 3] = clamp(s.deadLetters);
      ring.published[slot] = s.published;
    }
    this.times[slot] = at;
    this.recorded += 1;
  }

  /** The points of `queue`, oldest first; null when it has none (unknown, or beyond the cap). */
  series(queue: string): QueueHistory | null {
    const ring = this.queues.get(queue);
    if (ring === undefined) return null;
    const out: QueueHistory = { t: [], ready: [], leased: [], delayed: [], dead: [], published: [] };
    const count = Math.min(this.size, this.recorded - ring.since);
    for (let i = this.recorded - count; i < this.recorded; i++) {
      const slot = i % this.size;
      out.t.push(this.times[slot] ?? 0);
      out.ready.push(ring.counts[slot * COUNTS] ?? 0);
      out.leased.push(ring.counts[slot * COUNTS + 1] ?? 0);
      out.delayed.push(ring.counts[slot * COUNTS + 2] ?? 0);
      out.dead.push(ring.counts[slot * COUNTS + 3] ?? 0);
      out.published.push(ring.published[slot] ?? 0);
    }
    return out;
  }

  /** The last `n` depths (ready + leased + delayed: the queue's length) of `queue`, oldest first: its sparkline. */
  depths(queue: string, n: number): number[] {
    const ring = this.queues.get(queue);
    if (ring === undefined) return [];
    const count = Math.min(this.size, this.recorded - ring.since, n);
    const out: number[] = [];
    for (let i = this.recorded - count; i < this.recorded; i++) {
      const base = (i % this.size) * COUNTS;
      out.push((ring.counts[base] ?? 0) + (ring.counts[base + 1] ?? 0) + (ring.counts[base + 2] ?? 0));
    }
    return out;
  }
}
