/**
 * collectd's `write_http` output, as the original RestMQ's collectd daemon took it: with
 * `Format "Command"` a text body of `PUTVAL` lines (collectd's plain-text protocol), each
 * parsed into one JSON document named like collectd's own JSON format; `PUTNOTIF` lines
 * likewise for notifications. A JSON body (`Format "JSON"`, and every notification, which
 * write_http always sends as JSON) is queued as it came.
 */
import { RestMQError } from '../core/errors.js';
import { MAX_BATCH_ENTRIES } from '../core/limits.js';

/** One `PUTVAL` value list, in the field names of collectd's JSON format. */
export interface CollectdValues {
  readonly host: string;
  readonly plugin: string;
  readonly plugin_instance: string;
  readonly type: string;
  readonly type_instance: string;
  /** Seconds, or null when the line gave none. */
  readonly interval: number | null;
  /** Epoch seconds (`N` is the receive time). */
  readonly time: number;
  /** One number per data source; `U` (unknown) is null. */
  readonly values: (number | null)[];
}

function invalid(detail: string): RestMQError {
  return new RestMQError('invalid_collectd', `the body is not collectd write_http output: ${detail}`);
}

/** Splits a line into fields at spaces; double quotes group, and a backslash escapes inside them. */
function fields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let field = '';
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      if (line[i] === '"') {
        i++;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length) i++;
          field += line[i];
          i++;
        }
        if (i >= line.length) throw invalid('an unterminated quote');
        i++;
      } else {
        field += line[i];
        i++;
      }
    }
    out.push(field);
  }
  return out;
}

/** `name[-instance]`: the instance is everything after the first dash. */
function withInstance(text: string): [string, string] {
  const dash = text.indexOf('-');
  return dash < 0 ? [text, ''] : [text.slice(0, dash), text.slice(dash + 1)];
}

function number(text: string, what: string): number {
  const n = Number(text);
  if (text === '' || !Number.isFinite(n)) throw invalid(`${what} ${JSON.stringify(text.slice(0, 40))} is not a number`);
  return n;
}

/** Parses one `PUTVAL identifier [interval=S] time:v1[:v2...] ...` line into one record per value list. */
function putval(parts: string[], nowSeconds: number): CollectdValues[] {
  const identifier = (parts[1] ?? '').split('/');
  if (identifier.length !== 3 || identifier.some((p) => p === '')) throw invalid('PUTVAL needs host/plugin[-instance]/type[-instance]');
  const [host, pluginPart, typePart] = identifier as [string, string, string];
  const [plugin, pluginInstance] = withInstance(pluginPart);
  const [type, typeInstance] = withInstance(typePart);
  let interval: number | null = null;
  const lists: string[] = [];
  for (const part of parts.slice(2)) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      if (part.slice(0, eq) === 'interval') interval = number(part.slice(eq + 1), 'interval');
    } else lists.push(part);
  }
  if (lists.length === 0) throw invalid('PUTVAL without values');
  return lists.map((list) => {
    const [time = '', ...values] = list.split(':');
    if (values.length === 0) throw invalid('a value list needs time:value');
    return {
      host,
      plugin,
      plugin_instance: pluginInstance,
      type,
      type_instance: typeInstance,
      interval,
      time: time === 'N' ? nowSeconds : number(time, 'time'),
      values: values.map((v) => (v === 'U' ? null : number(v, 'value'))),
    };
  });
}

/** Parses a `PUTNOTIF key=value ... message=text` line into its options (time as a number). */
function putnotif(parts: string[], nowSeconds: number): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw invalid('PUTNOTIF options are key=value');
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    // Built as an own property; a key such as __proto__ stays data.
    Object.defineProperty(out, key, { value: key === 'time' ? (value === 'N' ? nowSeconds : number(value, 'time')) : value, enumerable: true, writable: true, configurable: true });
  }
  if (typeof out.message !== 'string' || typeof out.severity !== 'string') throw invalid('PUTNOTIF needs severity= and message=');
  return out;
}

function lines(text: string): string[] {
  const out = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (out.length === 0) throw invalid('an empty body');
  return out;
}

/**
 * The messages of a `text/plain` body: the JSON text of each value list of each `PUTVAL`
 * line (`expect: 'PUTVAL'`) or of each `PUTNOTIF` line. At most MAX_BATCH_ENTRIES; one bad
 * line refuses the whole body, so nothing of it is queued.
 */
export function parseCollectdText(text: string, expect: 'PUTVAL' | 'PUTNOTIF', nowSeconds: number): string[] {
  const out: string[] = [];
  for (const line of lines(text)) {
    const parts = fields(line);
    if (parts[0] !== expect) throw invalid(`a line starts with ${JSON.stringify((parts[0] ?? '').slice(0, 20))}, not ${expect}`);
    if (expect === 'PUTVAL') out.push(...putval(parts, nowSeconds).map((r) => JSON.stringify(r)));
    else out.push(JSON.stringify(putnotif(parts, nowSeconds)));
    if (out.length > MAX_BATCH_ENTRIES) throw invalid(`more than ${MAX_BATCH_ENTRIES} values in one request`);
  }
  return out;
}
