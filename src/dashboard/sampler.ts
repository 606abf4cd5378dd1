/**
 * The dashboard's one sampler per daemon: every interval it reads the stats of every queue
 * once (one `allStats`), turns them into rows with rates and connected consumers, and hands
 * the result to every open dashboard stream, so a hundred open dashboards cost one read,
 * not a hundred. Every {@link HISTORY_EVERY} intervals it records a point of the hour chart.
 * It starts with the first watcher; from then on, with no dashboard open, it only wakes for
 * the chart points.
 */
import type { QueueStats } from '../core/types.js';
import type { ConsumerCounts } from './consumers.js';
import { HistoryRing } from './history.js';

/** Live updates per point of the hour chart. */
export const HISTORY_EVERY = 8;

/** Points of a queue's sparkline in the list (the last ones of its history). */
export const SPARK_POINTS = 30;

/** The columns of a row, in the order the stream sends them (docs/operations.md, "Dashboard"). */
export const ROW_COLUMNS = [
  'queue',
  'length',
  'ready',
  'leased',
  'delayed',
  'dead',
  'published',
  'status',
  'policy',
  'oldest_at',
  'in_rate',
  'out_rate',
  'consumers',
] as const;

/** One sample of every queue. */
export interface Tick {
  /** When it was taken, ms since the epoch. */
  readonly at: number;
  /** Every queue's row as JSON text (an array in {@link ROW_COLUMNS} order), by name. */
  readonly rows: ReadonlyMap<string, string>;
  /** Queues whose row differs from the previous tick's (new ones included). */
  readonly changed: readonly string[];
  /** Queues of the previous tick that are gone. */
  readonly gone: readonly string[];
  /** True when this tick also recorded a point of the hour chart. */
  readonly history: boolean;
  /** The catalog code of the store's failure when it could not be read (rows are then the previous ones). */
  readonly error: string | null;
}

/** What the sampler reads. */
export interface SamplerDeps {
  readonly allStats: () => Promise<QueueStats[]>;
  /** Connected consumers of a queue on this daemon. */
  readonly consumers: (queue: string) => ConsumerCounts;
  /** Time between live updates, ms (`--dashboard-interval-ms`). */
  readonly intervalMs: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What a queue's next row is computed against. */
interface Previous {
  readonly length: number;
  readonly published: number;
  readonly oldestKey: string | null;
  /** The row's `oldest_at`, kept while the oldest key stays the same. */
  readonly oldestAt: number;
}

const EMPTY: Tick = { at: 0, rows: new Map(), changed: [], gone: [], history: false, error: null };

function rate(delta: number, ms: number): number {
  return ms <= 0 ? 0 : Math.max(0, Math.round((delta * 100_000) / ms) / 100);
}

/** The sampler: {@link watch} from each stream (the first one starts it), {@link close} at shutdown. */
export class StatsSampler {
  readonly history: HistoryRing;
  private readonly now: () => number;
  private readonly watchers = new Set<(tick: Tick) => void>();
  private last: Tick = EMPTY;
  private previous = new Map<string, Previous>();
  private lastHistoryAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private closed = false;

  constructor(private readonly deps: SamplerDeps) {
    this.now = deps.now ?? Date.now;
    this.history = new HistoryRing(deps.intervalMs * HISTORY_EVERY);
  }

  /** The latest tick (empty before the first). */
  get latest(): Tick {
    return this.last;
  }

  /** Streams watching now. */
  get watching(): number {
    return this.watchers.size;
  }

  /**
   * Calls `listener` after every tick until the answer is called. The first watcher makes
   * the sampler take live updates at once instead of waiting for the next chart point.
   */
  watch(listener: (tick: Tick) => void): () => void {
    this.watchers.add(listener);
    if (this.watchers.size === 1 && !this.running && !this.closed) this.schedule(0);
    return () => this.watchers.delete(listener);
  }

  /** Stops sampling; watchers get nothing more. */
  close(): void {
    this.closed = true;
    this.watchers.clear();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.running = true;
    let tick: Tick;
    try {
      tick = this.sample(await this.deps.allStats());
    } catch (err) {
      const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : 'internal';
      tick = { ...this.last, at: this.now(), changed: [], gone: [], history: false, error: code };
    } finally {
      this.running = false;
    }
    if (this.closed) return;
    this.last = tick;
    for (const watcher of [...this.watchers]) watcher(tick);
    const step = this.history.stepMs;
    const wait = this.watchers.size > 0 ? this.deps.intervalMs : Math.max(this.deps.intervalMs, this.lastHistoryAt + step - this.now());
    this.schedule(wait);
  }

  private sample(stats: QueueStats[]): Tick {
    const at = this.now();
    const elapsed = at - this.last.at;
    const rows = new Map<string, string>();
    const changed: string[] = [];
    const next = new Map<string, Previous>();
    for (const s of stats) {
      const before = this.previous.get(s.queue);
      const inRate = before === undefined ? 0 : rate(s.published - before.published, elapsed);
      const outRate = before === undefined ? 0 : rate(s.published - before.published - (s.length - before.length), elapsed);
      const c = this.deps.consumers(s.queue);
      // The oldest message's time (whole seconds) rather than its age, which would change the
      // row at every tick; kept while the oldest key is the same, so rounding never flips it.
      const oldestAt =
        s.oldestAgeMs === null ? 0 : before !== undefined && before.oldestKey === s.oldestKey ? before.oldestAt : Math.round((at - s.oldestAgeMs) / 1000);
      const row = [s.queue, s.length, s.ready, s.leased, s.delayed, s.deadLetters, s.published, s.status, s.policy, oldestAt, inRate, outRate, [c.comet, c.sse, c.websocket, c.long_poll]];
      const text = JSON.stringify(row);
      rows.set(s.queue, text);
      if (this.last.rows.get(s.queue) !== text) changed.push(s.queue);
      next.set(s.queue, { length: s.length, published: s.published, oldestKey: s.oldestKey, oldestAt });
    }
    const gone = [...this.last.rows.keys()].filter((q) => !rows.has(q));
    this.previous = next;
    // A point is due once a step has passed, give or take half an update of timer jitter.
    const history = at - this.lastHistoryAt >= this.history.stepMs - this.deps.intervalMs / 2;
    if (history) {
      this.history.record(at, stats);
      this.lastHistoryAt = at;
    }
    return { at, rows, changed, gone, history, error: null };
  }
}
