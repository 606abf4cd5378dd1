/**
 * The daemon's logger and the form of its lines. JSON (pino's own fast path to stdout) is
 * for machines; on a terminal a person gets one readable line per event instead: time,
 * level, message and the few fields that matter (method, path, status, ms, queue, error
 * code). The readable form is a small in-process destination that reformats each JSON
 * line pino writes, so it costs nothing when logs are JSON and needs no transport worker.
 */
import { pino } from 'pino';
import type { DestinationStream, Level, Logger } from 'pino';

/** How log lines are written (`--log-format`). */
export type LogFormat = 'auto' | 'pretty' | 'json';

/** Fields shown on a readable line, in this order, when an event has them. */
const SHOWN_FIELDS = ['method', 'url', 'route', 'status', 'ms', 'queue', 'code', 'principal', 'port', 'listen', 'store', 'scheme', 'signal', 'address', 'step', 'reason', 'refused', 'worker'] as const;

const LEVELS: Readonly<Record<number, { name: string; color: string }>> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '36' },
  30: { name: 'INFO', color: '32' },
  40: { name: 'WARN', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '35' },
};

/** A value as it shows after `name=`: plain when it has no space or quote, JSON otherwise. */
function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

/** The error code of an event: its own `code`, or its error's (a catalog code or a system one). */
function codeOf(event: Record<string, unknown>): unknown {
  if (event['code'] !== undefined) return event['code'];
  const err = event['err'];
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)['code'] : undefined;
}

/** HH:MM:SS.mmm of an epoch-ms time, in local time (a terminal is read by someone local). */
function clockTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * One readable line for one pino JSON line. A path never shows its query string (an access
 * token may be in it); a line that is not JSON is passed through as it is.
 */
export function formatLine(json: string, color: boolean): string {
  let event: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return json.endsWith('\n') ? json : `${json}\n`;
    event = parsed as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = LEVELS[typeof event['level'] === 'number' ? event['level'] : 30] ?? { name: 'LOG', color: '0' };
  const time = typeof event['time'] === 'number' ? clockTime(event['time']) : '--:--:--.---';
  const levelText = level.name.padEnd(5);
  const parts = [time, color ? `\x1b[${level.color}m${levelText}\x1b[0m` : levelText, typeof event['msg'] === 'string' ? event['msg'] : ''];
  const fields: string[] = [];
  for (const name of SHOWN_FIELDS) {
    let value = name === 'code' ? codeOf(event) : event[name];
    if (value === undefined || value === null) continue;
    if (name === 'url' && typeof value === 'string') value = value.split('?')[0];
    fields.push(`${name}=${show(value)}`);
  }
  const err = event['err'];
  if (typeof err === 'object' && err !== null && typeof (err as Record<string, unknown>)['message'] === 'string') {
    fields.push(`error=${show((err as Record<string, unknown>)['message'])}`);
  }
  const line = [...parts, ...fields].filter((p) => p !== '').join(' ');
  return `${line}\n`;
}

/** A pino destination that writes readable lines to `out`. */
export function prettyDestination(out: { write(text: string): unknown }, color: boolean): DestinationStream {
  return {
    write(chunk: string): void {
      // pino writes one event per call, ending in a newline.
      out.write(formatLine(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk, color));
    },
  };
}

/** True when `format` means readable lines for this stdout. */
export function wantsPretty(format: LogFormat, stdoutIsTTY: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTTY);
}

/** The daemon's logger: JSON through pino's own destination, or readable lines on stdout. */
export function createLogger(options: { level: Level | 'silent'; format: LogFormat }): Logger {
  const base = { level: options.level, base: { service: 'restmq' } };
  if (!wantsPretty(options.format, process.stdout.isTTY === true)) return pino(base);
  const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  return pino(base, prettyDestination(process.stdout, color));
}
