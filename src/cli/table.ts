/**
 * The queue table of `restmq stats` and `restmq top`, read from the `/stats` answer. The
 * answer is `unknown` until read here; a field the server does not send (an older server,
 * or counts by state it does not report) shows as `-` rather than failing the command.
 */

/** One queue as the table shows it. */
export interface QueueRow {
  readonly queue: string;
  readonly len: number | null;
  readonly ready: number | null;
  readonly leased: number | null;
  readonly delayed: number | null;
  readonly deadLetters: number | null;
  readonly published: number | null;
  readonly policy: string;
  readonly status: string;
  readonly oldestAgeMs: number | null;
}

function num(record: Record<string, unknown>, field: string): number | null {
  const v = record[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(record: Record<string, unknown>, field: string): string {
  const v = record[field];
  return typeof v === 'string' ? v : '-';
}

/** One row from a `/stats/<queue>` answer or an entry of `/stats/`. */
export function rowOf(queue: string, body: unknown): QueueRow {
  const r = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  return {
    queue,
    len: num(r, 'len'),
    ready: num(r, 'ready'),
    leased: num(r, 'leased'),
    delayed: num(r, 'delayed'),
    deadLetters: num(r, 'dead_letters'),
    published: num(r, 'published'),
    policy: str(r, 'policy'),
    status: str(r, 'status'),
    oldestAgeMs: num(r, 'oldest_age_ms'),
  };
}

/** Every row of a `/stats/` answer, in name order. */
export function rowsOf(stats: Record<string, unknown>): QueueRow[] {
  const queues = stats['queues'];
  if (typeof queues !== 'object' || queues === null) return [];
  return Object.entries(queues as Record<string, unknown>)
    .map(([name, body]) => rowOf(name, body))
    .sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0));
}

/** An age in ms as a short human figure (850ms, 12s, 5m, 3h, 2d). */
export function age(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s)}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

/** A column: its heading, its cell text per row, and whether it is a number (right-aligned). */
export interface Column {
  readonly heading: string;
  readonly cell: (row: QueueRow) => string;
  readonly numeric: boolean;
}

const count = (pick: (row: QueueRow) => number | null) => (row: QueueRow) => {
  const v = pick(row);
  return v === null ? '-' : String(v);
};

/** The columns of `stats`; the by-state ones only when some row has them. */
export function statsColumns(rows: readonly QueueRow[]): Column[] {
  const columns: Column[] = [
    { heading: 'QUEUE', cell: (r) => r.queue, numeric: false },
    { heading: 'LEN', cell: count((r) => r.len), numeric: true },
  ];
  if (rows.some((r) => r.ready !== null)) {
    columns.push(
      { heading: 'READY', cell: count((r) => r.ready), numeric: true },
      { heading: 'LEASED', cell: count((r) => r.leased), numeric: true },
      { heading: 'DELAYED', cell: count((r) => r.delayed), numeric: true },
      { heading: 'DEAD', cell: count((r) => r.deadLetters), numeric: true },
    );
  }
  columns.push(
    { heading: 'PUBLISHED', cell: count((r) => r.published), numeric: true },
    { heading: 'OLDEST', cell: (r) => age(r.oldestAgeMs), numeric: true },
    { heading: 'POLICY', cell: (r) => r.policy, numeric: false },
    { heading: 'STATUS', cell: (r) => r.status, numeric: false },
  );
  return columns;
}

/** The table as lines, columns padded to their widest cell, numbers right-aligned. */
export function renderTable(rows: readonly QueueRow[], columns: readonly Column[]): string[] {
  const cells = rows.map((row) => columns.map((c) => c.cell(row)));
  const widths = columns.map((c, i) => Math.max(c.heading.length, ...cells.map((r) => (r[i] as string).length)));
  const format = (values: readonly string[]): string =>
    values
      .map((v, i) => (columns[i]?.numeric === true ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [format(columns.map((c) => c.heading)), ...cells.map(format)];
}
