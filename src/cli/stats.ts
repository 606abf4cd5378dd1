/**
 * `restmq stats [QUEUE]` (one table, or the server's JSON with `--json`) and `restmq top`
 * (the same table of every queue the caller may see, refreshed every `--interval` seconds
 * with a publish rate; on a terminal it redraws in place on the alternate screen and ends
 * on q or Ctrl-C, otherwise it prints one table per refresh).
 */
import type { RestMQClient } from '../client/index.js';
import { RestMQError } from '../client/index.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { intOption, positionals } from './args.js';
import { renderTable, rowOf, rowsOf, statsColumns } from './table.js';
import type { Column, QueueRow } from './table.js';

/** The options of `stats`. */
export const STATS_OPTIONS: readonly OptionSpec[] = [{ name: 'json', kind: 'flag' }];

/** The options of `top`. */
export const TOP_OPTIONS: readonly OptionSpec[] = [
  { name: 'interval', short: 'i', kind: 'value' },
  { name: 'count', short: 'c', kind: 'value' },
];

/** Runs `stats`; resolves with the exit code. */
export async function statsCommand(client: RestMQClient, args: ParsedArgs, out: { write(text: string): unknown }): Promise<number> {
  const [queue] = positionals(args, 0, 1, 'restmq stats [QUEUE] [--json]') as [string | undefined];
  const stats = await client.stats(queue);
  if (args.options.has('json')) {
    out.write(`${JSON.stringify(stats, null, 2)}\n`);
    return 0;
  }
  const rows = queue === undefined ? rowsOf(stats) : [rowOf(queue, stats)];
  if (rows.length === 0) {
    out.write('no queues\n');
    return 0;
  }
  out.write(`${renderTable(rows, statsColumns(rows)).join('\n')}\n`);
  return 0;
}

/** The terminal `top` draws on, and the process it listens to. */
export interface TopIo {
  readonly stdout: { readonly isTTY?: boolean; readonly rows?: number; write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly stdin: NodeJS.ReadStream;
  readonly signals: Pick<NodeJS.Process, 'once' | 'off'>;
}

/** `top`'s columns: the stats ones with the publish rate after LEN. */
function topColumns(rows: readonly QueueRow[], rates: ReadonlyMap<string, number>): Column[] {
  const columns = statsColumns(rows);
  const rate: Column = { heading: 'IN/S', cell: (r) => (rates.has(r.queue) ? (rates.get(r.queue) as number).toFixed(1) : '-'), numeric: true };
  columns.splice(2, 0, rate);
  return columns;
}

/** Runs `top` until q, Ctrl-C, SIGTERM or `--count` refreshes; resolves with the exit code. */
export async function topCommand(client: RestMQClient, args: ParsedArgs, io: TopIo): Promise<number> {
  positionals(args, 0, 0, 'restmq top [--interval SECONDS] [--count N]');
  const intervalMs = (intOption(args, 'interval', 1, 3600) ?? 2) * 1000;
  const count = intOption(args, 'count', 1, 1_000_000);
  const tty = io.stdout.isTTY === true;
  let stopped = false;
  let wake: (() => void) | null = null;
  const stop = (): void => {
    stopped = true;
    wake?.();
  };
  const onKey = (data: Buffer): void => {
    const key = data.toString('utf8');
    if (key === 'q' || key === 'Q' || key === '\u0003' || key === '\u001b') stop();
  };
  const keys = tty && io.stdin.isTTY;
  if (keys) {
    io.stdin.setRawMode(true);
    io.stdin.on('data', onKey);
    io.stdin.resume();
  }
  io.signals.once('SIGINT', stop);
  io.signals.once('SIGTERM', stop);
  if (tty) io.stdout.write('\x1b[?1049h\x1b[?25l'); // alternate screen, cursor hidden
  let previous = new Map<string, { published: number; at: number }>();
  let failed = false;
  try {
    for (let round = 1; !stopped; round++) {
      const at = Date.now();
      let lines: string[];
      try {
        const rows = rowsOf(await client.stats());
        const rates = new Map<string, number>();
        const seen = new Map<string, { published: number; at: number }>();
        for (const row of rows) {
          if (row.published === null) continue;
          seen.set(row.queue, { published: row.published, at });
          const before = previous.get(row.queue);
          if (before !== undefined && at > before.at) rates.set(row.queue, Math.max(0, (row.published - before.published) * 1000) / (at - before.at));
        }
        previous = seen;
        failed = false;
        const table = rows.length === 0 ? ['no queues'] : renderTable(rows, topColumns(rows, rates));
        lines = [`restmq top  ${new Date(at).toISOString()}  queues: ${rows.length}, every ${intervalMs / 1000}s${tty ? '  (q quits)' : ''}`, '', ...table];
      } catch (err) {
        if (!(err instanceof RestMQError)) throw err;
        failed = true;
        lines = [`restmq top  ${new Date(at).toISOString()}  ${err.code}: ${err.message}; retrying`];
        if (!tty) io.stderr.write(`restmq: ${err.code}: ${err.message}\n`);
      }
      if (tty) {
        const rows = io.stdout.rows ?? 0; // 0 on a pty nobody sized
        const room = Math.max(3, (rows > 0 ? rows : 24) - 1);
        const shown = lines.length > room ? [...lines.slice(0, room - 1), `... ${lines.length - room + 1} more`] : lines;
        io.stdout.write(`\x1b[H${shown.map((l) => `${l}\x1b[K`).join('\n')}\x1b[J`);
      } else if (!failed) io.stdout.write(`${lines.join('\n')}\n\n`);
      if (count !== undefined && round >= count) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    io.signals.off('SIGINT', stop);
    io.signals.off('SIGTERM', stop);
    if (keys) {
      io.stdin.off('data', onKey);
      io.stdin.setRawMode(false);
      io.stdin.pause();
    }
    if (tty) io.stdout.write('\x1b[?25h\x1b[?1049l');
  }
  return failed ? 1 : 0;
}
