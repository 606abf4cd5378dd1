/**
 * Moves the key layout the original RestMQ left in Redis into ours, so a deployment can
 * switch over without losing queued messages or renumbering keys.
 *
 * The original layout: the set `QUEUESET` of queue names; per queue `Q`, the counter
 * `Q:UUID` (INCR), message values at `Q:<n>` (maybe with a Redis ttl), the list `Q:queue`
 * of message keys (LPUSH on add, RPOP on take: the oldest is at the right end), the status
 * `queuestat::Q` (1 started, 0 stopped), the policy `Q:queuepolicy` (1 broadcast,
 * 2 roundrobin) and soft-read counters `Q:<n>:refcount`.
 *
 * Each message moves in one script that also removes it from the original layout, so the
 * import can be stopped and re-run at any point, and re-running it after an original daemon
 * added more messages moves just those. A message number already used in our layout is
 * left where it is and reported; nothing is overwritten.
 */
import { parseKey, parseQueueName } from '../../core/names.js';
import { guard } from './errors.js';
import type { KeySpace } from './keys.js';
import { asArray, asInt } from './replies.js';
import type { RedisClient } from './connection.js';
import type { Scripts } from './scripts.js';

/** Message keys read from the original list per round trip. */
const CHUNK = 500;

/** What an import did. */
export interface ImportReport {
  /** Queues found in QUEUESET with a valid name. */
  readonly queues: string[];
  /** Messages moved into our layout. */
  moved: number;
  /** Original messages whose value had expired: dropped. */
  expired: number;
  /** Original keys left in place because our layout already holds that number. */
  readonly conflicts: string[];
  /** Names in QUEUESET or list entries that are not valid RestMQ names or keys; left in place. */
  readonly invalid: string[];
}

/** Where the import reads and writes. */
export interface ImportV1Deps {
  /** A standalone (or Sentinel-managed) Redis that holds both layouts. */
  readonly client: RedisClient;
  readonly keys: KeySpace;
  readonly scripts: Scripts;
  readonly now: () => number;
  /** Progress lines for the operator. */
  readonly log: (line: string) => void;
  /** Called after each chunk of a queue: messages handled (moved, dropped or left) of its list's length at the start. */
  readonly progress?: (queue: string, handled: number, total: number) => void;
}

/** Runs the import once over every queue in QUEUESET. */
export async function importV1(deps: ImportV1Deps): Promise<ImportReport> {
  const report: ImportReport = { queues: [], moved: 0, expired: 0, conflicts: [], invalid: [] };
  const names = (await guard(deps.client.smembers('QUEUESET'))).sort();
  for (const name of names) {
    let queue: string;
    try {
      queue = parseQueueName(name);
    } catch {
      report.invalid.push(name);
      deps.log(`skipped queue ${JSON.stringify(name)}: not a valid RestMQ queue name`);
      continue;
    }
    report.queues.push(queue);
    const before = report.moved;
    const expiredBefore = report.expired;
    await importQueue(deps, queue, report);
    deps.log(`queue ${queue}: moved ${report.moved - before} messages, dropped ${report.expired - expiredBefore} expired`);
  }
  return report;
}

async function importQueue(deps: ImportV1Deps, queue: string, report: ImportReport): Promise<void> {
  const k = deps.keys.queue(queue);
  await guard(deps.client.sadd(deps.keys.registry, queue));
  const settings = await guard(
    deps.scripts.run(deps.client, 'import-queue-4', [`${queue}:UUID`, `queuestat::${queue}`, `${queue}:queuepolicy`, k.meta], [deps.now()]),
  );
  deps.log(`queue ${queue}: ${describeQueueReply(settings)}`);
  const list = `${queue}:queue`;
  const total = deps.progress === undefined ? 0 : await guard(deps.client.llen(list));
  let handled = 0;
  let kept = 0;
  for (;;) {
    const entries = await guard(deps.client.lrange(list, -(kept + CHUNK), -(kept + 1)));
    if (entries.length === 0) return;
    // The oldest is at the right end: move right to left so numbers arrive in order.
    const now = deps.now();
    const results = await Promise.all(
      entries.reverse().map(async (entry) => {
        let seq: number;
        try {
          const parsed = parseKey(entry);
          if (parsed.queue !== queue) throw new Error('foreign key');
          seq = parsed.seq;
        } catch {
          return { entry, outcome: 'invalid' as const };
        }
        const reply = await guard(
          deps.scripts.run(deps.client, 'import-message-8', [list, entry, `${entry}:refcount`, k.meta, k.ready, k.exp, k.msg, k.reads], [entry, seq, now]),
        );
        return { entry, outcome: asInt(reply, 'import message') };
      }),
    );
    for (const { entry, outcome } of results) {
      if (outcome === 1) report.moved++;
      else if (outcome === 0) report.expired++;
      else if (outcome === -2) {
        report.conflicts.push(entry);
        kept++;
      } else if (outcome === 'invalid') {
        report.invalid.push(entry);
        kept++;
      }
    }
    handled += results.length;
    deps.progress?.(queue, handled, Math.max(total, handled));
  }
}

/** The import-queue reply as a progress line. */
function describeQueueReply(reply: unknown): string {
  const [counter, status, policy] = asArray(reply, 'import queue');
  return `counter ${String(counter)}, status ${String(status) || 'unchanged'}, policy ${String(policy) || 'unchanged'}`;
}
