/**
 * The shapes every benchmark suite shares. A suite owns its servers (one store, one
 * process), measures its own baseline in the same run, and returns rows; the runner only
 * collects rows and renders them. New stores or features add a suite to the registry
 * instead of touching the runner.
 */

/** How a target is judged: a ratio to the row's baseline, or an absolute bound. */
export type Target =
  | { readonly kind: 'ratio-at-least'; readonly value: number }
  | { readonly kind: 'ratio-at-most'; readonly value: number }
  | { readonly kind: 'figure-at-most'; readonly value: number }
  | { readonly kind: 'figure-at-least'; readonly value: number };

/** One line of the results table. */
export interface BenchRow {
  /** Which suite produced it, e.g. `sqlite`. */
  readonly suite: string;
  /** What was measured, e.g. `publish POST /q (form)`. */
  readonly name: string;
  /** The measured figure, in `unit`. */
  readonly figure: number;
  readonly unit: string;
  /** What the figure is compared with, measured in the same run. */
  readonly baselineName: string;
  readonly baseline: number;
  readonly target?: Target;
  /** Supporting detail: latencies, errors, counts. */
  readonly note?: string;
}

/** What the runner hands a suite. */
export interface BenchContext {
  /** Short durations and smaller fills, for development. */
  readonly quick: boolean;
  /** Seconds each load phase runs. */
  readonly seconds: number;
  /** Concurrent connections of each load phase. */
  readonly connections: number;
  /** Progress lines (stderr), so the table on stdout stays clean. */
  log(message: string): void;
  /** A fresh temp folder, removed when the run ends. */
  tempDir(label: string): string;
}

/** A group of rows sharing servers and a baseline. */
export interface BenchSuite {
  readonly id: string;
  /** One line saying what the suite measures. */
  readonly description: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}
