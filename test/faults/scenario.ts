/**
 * A Jepsen-style run: producers publish uniquely numbered messages and consumers pop while
 * a nemesis injects faults into the target at random moments; then the faults stop, one
 * last fault cuts any request still running inside the server, the queues drain, and the
 * checker judges the histories. Two workloads run side by side:
 * - `publish during faults, pop after`: strict durability: every acknowledged publish must
 *   come out, whatever the kills did;
 * - `publish and pop during faults`: the same with consumers racing the kills; a pop cut by
 *   a kill may have taken one message unseen (pop is at-most-once), never two, never twice.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { check, QueueHistory } from './checker.js';
import type { CheckResult } from './checker.js';
import { FaultClient } from './client.js';
import type { FaultTarget } from './target.js';

/** How a run is shaped. */
export interface ScenarioOptions {
  readonly target: FaultTarget;
  /** How long faults are injected, seconds (without `faults`). @default 0 */
  readonly seconds?: number;
  /**
   * Faults to reach even past `seconds` (up to four times as long), so a loaded machine, where
   * each restart takes longer, still gives the run its faults. @default 0
   */
  readonly minFaults?: number;
  /**
   * Inject exactly this many faults, however long they take (`seconds` and `minFaults` are
   * then ignored): the short checks inside `npm test` use it, so a loaded machine changes
   * how long a run takes, never what it checks.
   */
  readonly faults?: number;
  /** Uptime between two faults is drawn uniformly from this range, ms. */
  readonly uptimeMs: readonly [number, number];
  /** Producers per workload. @default 2 */
  readonly producers?: number;
  /** Consumers of the pop-during-faults workload. @default 2 */
  readonly consumers?: number;
  /** Seed of the fault schedule, printed so a run can be repeated. */
  readonly seed: number;
  /** Client timeout; a request past it is indeterminate. @default 5000 */
  readonly timeoutMs?: number;
}

/** What a run found. */
export interface ScenarioReport {
  readonly faults: number;
  readonly seed: number;
  readonly results: readonly CheckResult[];
  /** HTTP statuses of failed publishes and pops, e.g. `{ "503": 2 }`. */
  readonly errorStatuses: Readonly<Record<string, number>>;
}

/** A small seeded generator (mulberry32), so a fault schedule can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** "A message was acknowledged on this queue" wake-ups for consumers that found it empty. */
class AckSignal {
  private waiters: (() => void)[] = [];

  notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }

  next(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

interface PopMessage {
  key: string;
  value: string;
}

function parsePop(body: string): PopMessage {
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed === 'object' && parsed !== null) {
    const { key, value } = parsed as { key?: unknown; value?: unknown };
    if (typeof key === 'string' && typeof value === 'string') return { key, value };
  }
  throw new Error(`a pop answered 200 with an unexpected body: ${body}`);
}

/** Runs the scenario against `options.target` and checks both workloads. */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioReport> {
  const { target } = options;
  const random = seededRandom(options.seed);
  const client = new FaultClient(options.timeoutMs ?? 5000);
  const tag = `${options.seed.toString(36)}`;
  const durable = new QueueHistory(`fault-durable-${tag}`, 'publish during faults, pop after', 'at-most-once', false);
  const racing = new QueueHistory(`fault-racing-${tag}`, 'publish and pop during faults', 'at-most-once', true);
  const acks = new AckSignal();
  const maybeDone = new Set(target.indeterminateStatuses ?? []);
  const errorStatuses: Record<string, number> = {};
  const countStatus = (status: number): void => {
    errorStatuses[status] = (errorStatuses[status] ?? 0) + 1;
  };
  let running = true;
  let stopped: () => void = () => undefined;
  const whenStopped = new Promise<void>((resolve) => {
    stopped = resolve;
  });

  const produce = async (history: QueueHistory, producer: number): Promise<void> => {
    for (let n = 0; running; n++) {
      await target.whenUp();
      const value = `${history.queue}/${producer}/${n}`;
      const result = await client.call('POST', `${target.url}/q/${history.queue}`, { value });
      if (result.kind === 'refused') {
        history.publish(value, 'failed');
      } else if (result.kind === 'indeterminate') {
        history.publish(value, 'indeterminate');
      } else if (result.status === 200) {
        const key = result.body.trim();
        if (!key.startsWith(`${history.queue}:`)) throw new Error(`publish answered 200 with ${JSON.stringify(result.body)}`);
        history.publish(value, 'acked', key);
        if (history === racing) acks.notify();
      } else {
        countStatus(result.status);
        history.publish(value, maybeDone.has(result.status) ? 'indeterminate' : 'failed');
      }
    }
  };

  /** One pop; returns false when the queue answered empty. */
  const popOnce = async (history: QueueHistory): Promise<boolean> => {
    const result = await client.call('GET', `${target.url}/q/${history.queue}`);
    if (result.kind === 'refused') {
      history.failedPops++;
    } else if (result.kind === 'indeterminate') {
      history.indeterminatePops++;
    } else if (result.status === 200) {
      const { key, value } = parsePop(result.body);
      history.deliver(value, key);
    } else if (result.status === 204) {
      return false;
    } else {
      countStatus(result.status);
      if (maybeDone.has(result.status)) history.indeterminatePops++;
      else history.failedPops++;
    }
    return true;
  };

  const consume = async (history: QueueHistory): Promise<void> => {
    while (running) {
      await target.whenUp();
      if (!(await popOnce(history))) await Promise.race([acks.next(), whenStopped]);
    }
  };

  const nemesis = async (): Promise<number> => {
    const started = Date.now();
    const deadline = started + (options.seconds ?? 0) * 1000;
    const hardDeadline = started + (options.seconds ?? 0) * 4000;
    const minFaults = options.minFaults ?? 0;
    let faults = 0;
    const more = (): boolean =>
      options.faults !== undefined ? faults < options.faults : Date.now() < deadline || (faults < minFaults && Date.now() < hardDeadline);
    while (running && more()) {
      const [min, max] = options.uptimeMs;
      await delay(min + random() * (max - min)); // a random moment: the point of the test
      await target.fault();
      faults++;
    }
    running = false;
    stopped();
    return faults;
  };

  let faultsPromise: Promise<number> = Promise.resolve(0);
  try {
    const producers = options.producers ?? 2;
    const workers: Promise<void>[] = [];
    for (let p = 0; p < producers; p++) workers.push(produce(durable, p), produce(racing, p));
    for (let c = 0; c < (options.consumers ?? 2); c++) workers.push(consume(racing));
    faultsPromise = nemesis();
    // A worker that throws (an unexpected answer) fails the run at once.
    const faults = await Promise.race([
      faultsPromise,
      Promise.all(workers).then(() => {
        throw new Error('workers stopped before the faults did');
      }),
    ]);
    await Promise.all(workers);
    // Requests that timed out on the client may still be running inside the server; one
    // more kill ends them, so nothing commits after the drain has looked.
    await target.fault();
    for (const history of [durable, racing]) {
      const drainers = Array.from({ length: 4 }, async () => {
        for (;;) {
          const before = { failed: history.failedPops, cut: history.indeterminatePops };
          const more = await popOnce(history);
          if (history.failedPops !== before.failed || history.indeterminatePops !== before.cut) {
            throw new Error(`a pop failed while draining ${history.queue} without faults`);
          }
          if (!more) return;
        }
      });
      await Promise.all(drainers);
    }
    return { faults: faults + 1, seed: options.seed, results: [check(durable), check(racing)], errorStatuses };
  } finally {
    running = false;
    stopped();
    await faultsPromise.catch(() => 0); // never leave the nemesis running against a closed target
    client.close();
  }
}
