/**
 * The checker of the fault tests, in the style of Jepsen's queue checkers: it never
 * trusts the server's view, only what clients saw. Producers record every publish as
 * acknowledged (a 2xx with a key), failed (refused, or an error answer: nothing was
 * stored) or indeterminate (timeout, reset: it may or may not have been stored);
 * consumers record every delivery. After the faults stop and the queue drains, the
 * histories alone say what was lost, duplicated or invented. Lease workloads also record
 * each ack's outcome, so the checker can tell a leased message that was never acked nor
 * handed out again, and acked work handed out again. Pure functions, so any store and any
 * fault (SQLite kill -9 now; Redis kills and partitions later) reuse them.
 */

/** What a client knows about one publish. */
export type PublishOutcome = 'acked' | 'failed' | 'indeterminate';

/** What a consumer knows about one ack of a leased message. */
export type AckOutcome = 'acked' | 'failed' | 'indeterminate';

/** Delivery guarantee of the consuming route, which decides what counts as a violation. */
export type DeliverySemantics =
  /** Pop: a message is removed on delivery, so a pop cut by a fault may take one unseen; never twice. */
  | 'at-most-once'
  /** Lease + ack: redelivery is allowed, loss is not. */
  | 'at-least-once';

/** Everything the clients of one queue recorded. */
export class QueueHistory {
  /** Value -> outcome of its (single) publish attempt. */
  readonly publishes = new Map<string, PublishOutcome>();
  /** Value -> key the server acknowledged. */
  readonly ackedKeys = new Map<string, string>();
  /** Every delivery, in the order consumers recorded them. */
  readonly deliveries: { value: string; key: string }[] = [];
  /** Pops answered with an error or refused: nothing was taken. */
  failedPops = 0;
  /** Pops cut by a fault (timeout, reset): each may have taken one message nobody saw. */
  indeterminatePops = 0;
  /** Values whose ack the server confirmed (lease workloads). */
  readonly confirmedAcks = new Set<string>();
  /** Values with an ack cut by a fault: it may have committed. */
  readonly maybeAcked = new Set<string>();
  /** Deliveries of a value after its ack was confirmed: acked work handed out again. */
  redeliveredAfterAck = 0;

  constructor(
    /** The queue's name, for the report. */
    readonly queue: string,
    /** What the workload promises, e.g. `publish during faults, pop after`. */
    readonly workload: string,
    readonly semantics: DeliverySemantics,
    /** True when consumers popped while faults were injected. */
    readonly popsDuringFaults: boolean,
    /** True when consumers ack leases and record each ack's outcome: every delivery must then end acked. */
    readonly acksTracked = false,
  ) {}

  /** Records the outcome of publishing `value`; each value is published once. */
  publish(value: string, outcome: PublishOutcome, key?: string): void {
    if (this.publishes.has(value)) throw new Error(`value ${value} was published twice by the workload`);
    this.publishes.set(value, outcome);
    if (outcome === 'acked' && key !== undefined) this.ackedKeys.set(value, key);
  }

  /** Records one delivery. */
  deliver(value: string, key: string): void {
    if (this.confirmedAcks.has(value)) this.redeliveredAfterAck++;
    this.deliveries.push({ value, key });
  }

  /** Records the outcome of one ack of a leased `value`. */
  ack(value: string, outcome: AckOutcome): void {
    if (outcome === 'acked') this.confirmedAcks.add(value);
    else if (outcome === 'indeterminate') this.maybeAcked.add(value);
  }
}

/** The verdict on one queue. */
export interface CheckResult {
  readonly queue: string;
  readonly workload: string;
  readonly semantics: DeliverySemantics;
  readonly attempted: number;
  readonly acked: number;
  readonly failed: number;
  readonly indeterminate: number;
  /** Deliveries, counting duplicates. */
  readonly delivered: number;
  /** Indeterminate publishes that were delivered (they had been stored). */
  readonly recovered: number;
  /** Acknowledged but never delivered. */
  readonly lost: number;
  /** Pops cut by a fault: the most messages at-most-once delivery may lose unseen. */
  readonly cutPops: number;
  /** Lost beyond what cut pops can explain; must be 0. */
  readonly unexplainedLost: number;
  /** Deliveries of a value already delivered. */
  readonly duplicates: number;
  /** Delivered but never published, or published with a definite failure. */
  readonly phantoms: number;
  /** Two acknowledged values with one key, or a delivery under another key than its ack. */
  readonly keyConflicts: number;
  /** Lease workloads: delivered, but no ack of it was ever confirmed or cut: its lease ended and it never came back. */
  readonly unfinished: number;
  /** Lease workloads: deliveries after a confirmed ack. */
  readonly redeliveredAfterAck: number;
  /** Human-readable reasons the run failed; empty when it passed. */
  readonly violations: readonly string[];
}

/** Judges one queue's history. */
export function check(history: QueueHistory): CheckResult {
  let acked = 0;
  let failed = 0;
  let indeterminate = 0;
  for (const outcome of history.publishes.values()) {
    if (outcome === 'acked') acked++;
    else if (outcome === 'failed') failed++;
    else indeterminate++;
  }
  const seen = new Set<string>();
  let duplicates = 0;
  let phantoms = 0;
  let keyConflicts = 0;
  let recovered = 0;
  for (const { value, key } of history.deliveries) {
    if (seen.has(value)) {
      duplicates++;
      continue;
    }
    seen.add(value);
    const outcome = history.publishes.get(value);
    if (outcome === undefined || outcome === 'failed') phantoms++;
    if (outcome === 'indeterminate') recovered++;
    const ackedKey = history.ackedKeys.get(value);
    if (ackedKey !== undefined && ackedKey !== key) keyConflicts++;
  }
  const keyOwners = new Set<string>();
  for (const key of history.ackedKeys.values()) {
    if (keyOwners.has(key)) keyConflicts++;
    keyOwners.add(key);
  }
  let lost = 0;
  for (const [value, outcome] of history.publishes) {
    if (outcome === 'acked' && !seen.has(value)) lost++;
  }
  let unfinished = 0;
  if (history.acksTracked) {
    for (const value of seen) if (!history.confirmedAcks.has(value) && !history.maybeAcked.has(value)) unfinished++;
  }
  const cutPops = history.semantics === 'at-most-once' && history.popsDuringFaults ? history.indeterminatePops : 0;
  const unexplainedLost = Math.max(0, lost - cutPops);
  const violations: string[] = [];
  if (unexplainedLost > 0) violations.push(`${unexplainedLost} acknowledged messages lost`);
  if (phantoms > 0) violations.push(`${phantoms} phantom deliveries`);
  if (history.semantics === 'at-most-once' && duplicates > 0) violations.push(`${duplicates} duplicate deliveries under at-most-once`);
  if (keyConflicts > 0) violations.push(`${keyConflicts} key conflicts`);
  if (unfinished > 0) violations.push(`${unfinished} leased messages never acked nor redelivered`);
  if (history.redeliveredAfterAck > 0) violations.push(`${history.redeliveredAfterAck} deliveries after a confirmed ack`);
  return {
    queue: history.queue,
    workload: history.workload,
    semantics: history.semantics,
    attempted: history.publishes.size,
    acked,
    failed,
    indeterminate,
    delivered: history.deliveries.length,
    recovered,
    lost,
    cutPops,
    unexplainedLost,
    duplicates,
    phantoms,
    keyConflicts,
    unfinished,
    redeliveredAfterAck: history.redeliveredAfterAck,
    violations,
  };
}

/** The results as one markdown table. */
export function renderResults(title: string, results: readonly CheckResult[]): string {
  const head =
    '| workload | attempted | acked | failed | indeterminate | delivered | recovered | lost | cut pops | unexplained lost | duplicates | phantoms | key conflicts | unfinished leases | redelivered after ack | verdict |';
  const lines = [`${title}`, '', head, `|${' --- |'.repeat(16)}`];
  for (const r of results) {
    const cells = [
      `${r.workload} (${r.semantics})`,
      r.attempted,
      r.acked,
      r.failed,
      r.indeterminate,
      r.delivered,
      r.recovered,
      r.lost,
      r.cutPops,
      r.unexplainedLost,
      r.duplicates,
      r.phantoms,
      r.keyConflicts,
      r.unfinished,
      r.redeliveredAfterAck,
      r.violations.length === 0 ? 'ok' : `**${r.violations.join('; ')}**`,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
