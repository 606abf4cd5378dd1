/**
 * Leases under kill -9: producers publish uniquely numbered messages; consumers lease them
 * for 1 s (`?lease=1&n=5`), hold them for a random moment of "work", then ack each with its
 * receipt, or abandon it now and then as a crashed worker would; a nemesis kills the daemon
 * at random moments, so kills land while leases are held and acks are in flight. Leases
 * live in the store, so after the restart on the same data dir every lease that was not
 * acked ends at its expiry and the message is handed out again. After the faults stop, one
 * more kill ends what the server was still running, and a drain leases and acks the rest.
 * The checker then demands, with at-least-once semantics: nothing acknowledged lost, every
 * delivered message finally acked (or its ack cut by a kill: it may have committed), and
 * no delivery after a confirmed ack. Duplicates are allowed: that is what a lease is.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { check, QueueHistory } from './checker.js';
import type { AckOutcome, CheckResult } from './checker.js';
import { FaultClient } from './client.js';
import type { CallResult } from './client.js';
import { seededRandom } from './scenario.js';
import type { FaultTarget } from './target.js';

/** How a lease run is shaped. */
export interface LeaseScenarioOptions {
  readonly target: FaultTarget;
  /** How long faults are injected, seconds (without `faults`). @default 0 */
  readonly seconds?: number;
  /**
   * Kills to reach even past `seconds` (up to four times as long), so a loaded machine, where
   * each restart takes longer, still gives the run its faults. @default 0
   */
  readonly minFaults?: number;
  /**
   * Inject exactly this many faults, however long they take (`seconds` and `minFaults` are
   * then ignored): the short checks inside `npm test` use it, so a loaded machine changes
   * how long a run takes, never what it checks.
   */
  readonly faults?: number;
  /** Uptime between two kills is drawn uniformly from this range, ms. */
  readonly uptimeMs: readonly [number, number];
  readonly producers: number;
  readonly consumers: number;
  /** Share of leased messages a consumer abandons without an ack, as a crashed worker would. */
  readonly abandonRate: number;
  readonly seed: number;
  /** Client timeout; a request past it is indeterminate. @default 5000 */
  readonly timeoutMs?: number;
}

/** What a lease run found. */
export interface LeaseScenarioReport {
  readonly faults: number;
  readonly seed: number;
  readonly result: CheckResult;
  /** Leased messages held by consumers (not yet acked) at the moments of the kills, summed. */
  readonly leasesHeldAtKills: number;
  /** Messages consumers deliberately left unacked. */
  readonly abandoned: number;
  /** Acks refused with 409 (the lease had ended; the message comes back). */
  readonly staleAcks: number;
  /** Statuses of other failed requests, e.g. `{ "503": 2 }`. */
  readonly errorStatuses: Readonly<Record<string, number>>;
}

/** Lease length of the workload, seconds (the smallest the API takes). */
const LEASE_SECONDS = 1;

interface Leased {
  readonly key: string;
  readonly value: string;
  readonly receipt: string;
}

function parseLeases(body: string): Leased[] {
  const parsed: unknown = JSON.parse(body);
  if (!Array.isArray(parsed)) throw new Error(`a lease with n answered 200 without an array: ${body}`);
  return parsed.map((entry: unknown) => {
    if (typeof entry === 'object' && entry !== null) {
      const { key, value, receipt } = entry as { key?: unknown; value?: unknown; receipt?: unknown };
      if (typeof key === 'string' && typeof value === 'string' && typeof receipt === 'string') return { key, value, receipt };
    }
    throw new Error(`a lease answered an unexpected entry: ${JSON.stringify(entry)}`);
  });
}

/** Runs the lease workload against `options.target` and checks it. */
export async function runLeaseScenario(options: LeaseScenarioOptions): Promise<LeaseScenarioReport> {
  const { target } = options;
  const random = seededRandom(options.seed);
  const client = new FaultClient(options.timeoutMs ?? 5000);
  const queue = `fault-lease-${options.seed.toString(36)}`;
  const history = new QueueHistory(queue, 'publish, lease and ack during faults', 'at-least-once', true, true);
  const base = `${target.url}/q/${queue}`;
  const errorStatuses: Record<string, number> = {};
  const maybeDone = new Set(target.indeterminateStatuses ?? []);
  const countStatus = (status: number): void => {
    errorStatuses[status] = (errorStatuses[status] ?? 0) + 1;
  };
  let held = 0;
  let leasesHeldAtKills = 0;
  let abandoned = 0;
  let staleAcks = 0;
  let running = true;

  // Never dead-letter: a message leased many times across kills must stay in its queue.
  const config = await fetch(`${base}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"max_attempts":0}' });
  if (config.status !== 200) throw new Error(`PUT config answered ${config.status}`);

  const ackOutcome = (result: CallResult): AckOutcome => {
    if (result.kind === 'refused') return 'failed';
    if (result.kind === 'indeterminate') return 'indeterminate';
    if (result.status === 200) return 'acked';
    if (result.status === 409) staleAcks++;
    else countStatus(result.status);
    return maybeDone.has(result.status) ? 'indeterminate' : 'failed';
  };

  const produce = async (producer: number): Promise<void> => {
    for (let n = 0; running; n++) {
      await target.whenUp();
      const value = `${queue}/${producer}/${n}`;
      const result = await client.call('POST', base, { value });
      if (result.kind === 'response' && result.status === 200) {
        const key = result.body.trim();
        if (!key.startsWith(`${queue}:`)) throw new Error(`publish answered 200 with ${JSON.stringify(result.body)}`);
        history.publish(value, 'acked', key);
      } else if (result.kind === 'indeterminate') {
        history.publish(value, 'indeterminate');
      } else if (result.kind === 'response') {
        countStatus(result.status);
        history.publish(value, maybeDone.has(result.status) ? 'indeterminate' : 'failed');
      } else {
        history.publish(value, 'failed');
      }
    }
  };

  /** Leases up to `n` (long-polling `wait` s), records the deliveries; null when the request failed. */
  const lease = async (n: number, seconds: number, wait: number): Promise<Leased[] | null> => {
    const result = await client.call('GET', `${base}?lease=${seconds}&n=${n}&wait=${wait}`);
    if (result.kind !== 'response') return null;
    if (result.status === 204) return [];
    if (result.status !== 200) {
      countStatus(result.status);
      return null;
    }
    const leased = parseLeases(result.body);
    for (const m of leased) history.deliver(m.value, m.key);
    return leased;
  };

  const ack = async (m: Leased): Promise<AckOutcome> => {
    const outcome = ackOutcome(await client.call('DELETE', `${base}/${encodeURIComponent(m.key)}?receipt=${encodeURIComponent(m.receipt)}`));
    history.ack(m.value, outcome);
    return outcome;
  };

  const consume = async (): Promise<void> => {
    while (running) {
      await target.whenUp();
      const leased = await lease(5, LEASE_SECONDS, 1);
      if (leased === null || leased.length === 0) continue;
      held += leased.length;
      await delay(random() * 300); // the "work", so kills land while leases are held
      for (const m of leased) {
        if (random() < options.abandonRate) abandoned++;
        else await ack(m);
        held--;
      }
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
      leasesHeldAtKills += held;
      await target.fault();
      faults++;
    }
    running = false;
    return faults;
  };

  let faultsPromise: Promise<number> = Promise.resolve(0);
  try {
    const workers: Promise<void>[] = [];
    for (let p = 0; p < options.producers; p++) workers.push(produce(p));
    for (let c = 0; c < options.consumers; c++) workers.push(consume());
    faultsPromise = nemesis();
    const faults = await Promise.race([
      faultsPromise,
      Promise.all(workers).then(() => {
        throw new Error('workers stopped before the faults did');
      }),
    ]);
    await Promise.all(workers);
    // End whatever the server still runs for requests a client gave up on; leases held now
    // (abandoned or not yet acked) must come back after their expiry.
    leasesHeldAtKills += held;
    await target.fault();
    // Drain: long leases so nothing expires under the drain; stop when nothing is left in any state.
    const drainDeadline = Date.now() + 30_000;
    for (;;) {
      const leased = await lease(100, 30, 2);
      if (leased === null) throw new Error(`a lease failed while draining ${queue} without faults`);
      for (const m of leased) {
        if ((await ack(m)) !== 'acked') throw new Error(`an ack failed while draining ${queue} without faults`);
      }
      if (leased.length > 0) continue;
      const peek = await client.call('GET', `${base}?peek=1`);
      if (peek.kind === 'response' && peek.status === 200 && peek.body.trim() === '[]') break;
      if (Date.now() > drainDeadline) throw new Error(`${queue} still holds messages 30 s after the faults: ${peek.kind === 'response' ? peek.body : peek.kind}`);
    }
    return { faults: faults + 1, seed: options.seed, result: check(history), leasesHeldAtKills, abandoned, staleAcks, errorStatuses };
  } finally {
    running = false;
    await faultsPromise.catch(() => 0);
    client.close();
  }
}
