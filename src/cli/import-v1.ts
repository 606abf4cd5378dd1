/**
 * `restmq import-v1`: moves the original RestMQ's Redis layout into ours (see
 * src/store/redis/import-v1.ts). It takes the same Redis settings as `serve`, so the
 * import lands exactly where the daemons will look (same database, same prefix).
 */
import { ConfigError, SETTINGS, loadConfig } from '../config.js';
import { redisTarget } from '../store/redis/settings.js';
import { createRedisClient, waitReady } from '../store/redis/connection.js';
import { importV1 } from '../store/redis/import-v1.js';
import { KeySpace } from '../store/redis/keys.js';
import { loadScripts } from '../store/redis/scripts.js';
import { startProgress } from './progress.js';
import type { Progress } from './progress.js';

/** The `restmq import-v1 --help` text. */
export function importHelp(): string {
  const lines = [
    'Usage: restmq import-v1 --redis redis://host:port/db [--redis-prefix restmq:]',
    '',
    'Moves the queues the original RestMQ kept in Redis (QUEUESET, <q>:queue lists, <q>:<n>',
    'values, <q>:UUID counters, queuestat::<q>, <q>:queuepolicy, <q>:<n>:refcount) into this',
    "RestMQ's layout in the same Redis, keeping every key and the order. Each message is",
    'moved in one atomic step, so the import is safe to stop and re-run; re-running it moves',
    'only what an original daemon added since. Expired values are dropped. A number already',
    'used in the new layout, or an invalid name or key, is left in place and reported, and',
    'the exit code is then 1.',
    '',
    'It prints a line per queue; when stderr is a terminal it also draws a progress bar of',
    "each queue's messages there.",
    '',
    'Options (the same as for serve; a Cluster is not supported, the original ran standalone):',
  ];
  for (const s of SETTINGS) {
    if (!s.flag.startsWith('redis') || s.flag === 'redis-cluster' || s.flag === 'redis-pool') continue;
    lines.push(`  --${s.flag} <value>`.padEnd(34) + `${s.help} (${s.env})`);
  }
  return lines.join('\n');
}

/** Runs the import with already split `--name value` flags; resolves with the exit code. */
export async function importCommand(flags: Readonly<Record<string, string>>, env: Readonly<Record<string, string | undefined>>): Promise<number> {
  if (flags.help !== undefined) {
    process.stdout.write(`${importHelp()}\n`);
    return 0;
  }
  for (const name of Object.keys(flags)) {
    if (!name.startsWith('redis') || name === 'redis-pool') throw new ConfigError(`import-v1 does not take --${name}`);
  }
  const config = loadConfig({ flags, env });
  const target = redisTarget(config);
  if (target === null) throw new ConfigError('import-v1 needs a Redis: --redis URL, --redis-host/--redis-port or --redis-sentinel');
  if (target.kind === 'cluster') throw new ConfigError('import-v1 reads a standalone Redis (the original RestMQ did not run on a Cluster)');
  const client = createRedisClient(target, config.redisTimeoutMs, 'command', 'restmq-import');
  client.on('error', () => undefined);
  try {
    if (!(await waitReady(client, config.redisTimeoutMs))) {
      process.stderr.write('restmq: import-v1: Redis cannot be reached\n');
      return 1;
    }
    // On a terminal a bar per queue on stderr; elsewhere the per-queue lines are the progress.
    let bar: { queue: string; progress: Progress } | null = null;
    const endBar = (): void => {
      bar?.progress.finish();
      bar = null;
    };
    const report = await importV1({
      client,
      keys: new KeySpace(config.redisPrefix),
      scripts: loadScripts(),
      now: Date.now,
      log: (line) => {
        endBar();
        process.stdout.write(`${line}\n`);
      },
      ...(process.stderr.isTTY
        ? {
            progress: (queue: string, handled: number, total: number) => {
              if (bar?.queue !== queue) bar = { queue, progress: startProgress(process.stderr, `messages of ${queue}`, total) };
              bar.progress.update(handled, total);
            },
          }
        : {}),
    });
    endBar();
    process.stdout.write(
      `imported ${report.queues.length} queues: ${report.moved} messages moved, ${report.expired} expired dropped, ` +
        `${report.conflicts.length} left in place (number taken), ${report.invalid.length} invalid names or keys left in place\n`,
    );
    for (const key of report.conflicts) process.stdout.write(`left in place (number already used): ${key}\n`);
    for (const key of report.invalid) process.stdout.write(`left in place (invalid): ${JSON.stringify(key)}\n`);
    return report.conflicts.length > 0 || report.invalid.length > 0 ? 1 : 0;
  } finally {
    client.disconnect();
  }
}
