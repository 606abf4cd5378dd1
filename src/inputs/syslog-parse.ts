/**
 * Syslog messages as the original RestMQ's syslogd queued them: one JSON document per
 * message with the line, host, timestamp, and facility and severity decoded from `<PRI>`.
 * Reads RFC 3164 (BSD) and RFC 5424 lines; anything else is kept whole as the message with
 * the defaults RFC 3164 prescribes (user.notice, the receive time). Also splits a TCP byte
 * stream into messages: octet-counted (RFC 6587 3.4.1) or newline-terminated (3.4.2).
 */

/** Facility names by code (RFC 5424 table 1, the names syslog.conf uses). */
export const FACILITIES: readonly string[] = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security',
  'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
];

/** Severity names by code (RFC 5424 table 2). */
export const SEVERITIES: readonly string[] = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

/** The priority a line without a valid `<PRI>` gets (RFC 3164 4.3.3: user.notice). */
const DEFAULT_PRIORITY = 13;

/** One syslog message as queued (the original's fields first, then what RFC 5424 adds). */
export interface SyslogRecord {
  /** The message as received, without framing. */
  readonly line: string;
  /** The sending host as the message names it, or null when it names none. */
  readonly host: string | null;
  /** The message's own timestamp as written, or the receive time (ISO 8601) when it has none. */
  readonly tstamp: string;
  readonly facility: string;
  readonly severity: string;
  /** `<PRI>` as a number: facility * 8 + severity. */
  readonly priority: number;
  readonly format: 'rfc3164' | 'rfc5424' | 'unknown';
  /** TAG (RFC 3164) or APP-NAME (RFC 5424), or null. */
  readonly app: string | null;
  /** The free-text part. */
  readonly message: string;
  /** When this server received it, ISO 8601. */
  readonly received_at: string;
}

const PRI = /^<([0-9]{1,3})>/;
const BSD_TIME = /^([A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}) /;
const BSD_TAG = /^([^\s:[\]]{1,48})(\[[^\]]{0,32}\])?: ?/;

function nil(field: string | undefined): string | null {
  return field === undefined || field === '-' || field === '' ? null : field;
}

/** Skips RFC 5424 STRUCTURED-DATA (`-` or `[...]...`); answers the index after it, or -1. */
function skipStructuredData(text: string, at: number): number {
  if (text[at] === '-') return at + 1;
  let i = at;
  while (text[i] === '[') {
    i++;
    let quoted = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (quoted && c === '\\') i++;
      else if (c === '"') quoted = !quoted;
      else if (c === ']' && !quoted) break;
    }
    if (i >= text.length) return -1;
    i++;
  }
  return i === at ? -1 : i;
}

function rfc5424(rest: string): Pick<SyslogRecord, 'host' | 'tstamp' | 'app' | 'message'> | null {
  // VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]
  const head = /^1 (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(rest);
  if (head === null) return null;
  const end = skipStructuredData(rest, head[0].length);
  if (end < 0) return null;
  const message = rest.slice(end).replace(/^ /, '').replace(/^\uFEFF/, '');
  return { tstamp: head[1] ?? '', host: nil(head[2]), app: nil(head[3]), message };
}

function rfc3164(rest: string): Pick<SyslogRecord, 'host' | 'tstamp' | 'app' | 'message'> | null {
  const time = BSD_TIME.exec(rest);
  if (time === null) return null;
  let body = rest.slice(time[0].length);
  // HOSTNAME is the next word unless the word is already the TAG (`logger` may omit it).
  let host: string | null = null;
  const word = /^(\S+) /.exec(body);
  if (word !== null && !(word[1] ?? '').endsWith(':') && !/\[[0-9]*\]:?$/.test(word[1] ?? '')) {
    host = word[1] ?? null;
    body = body.slice(word[0].length);
  }
  const tag = BSD_TAG.exec(body);
  const app = tag === null ? null : (tag[1] ?? null);
  return { tstamp: time[1] ?? '', host, app, message: tag === null ? body : body.slice(tag[0].length) };
}

/** Decodes one syslog message (no framing, no trailing newline) received at `receivedAt`. */
export function parseSyslogLine(line: string, receivedAt: Date): SyslogRecord {
  const received = receivedAt.toISOString();
  const pri = PRI.exec(line);
  const code = pri === null ? NaN : Number(pri[1]);
  const valid = Number.isInteger(code) && code <= 191;
  const priority = valid ? code : DEFAULT_PRIORITY;
  const rest = valid && pri !== null ? line.slice(pri[0].length) : line;
  const modern = rfc5424(rest);
  const parts = modern ?? rfc3164(rest);
  const format = modern !== null ? 'rfc5424' : parts !== null ? 'rfc3164' : 'unknown';
  return {
    line,
    host: parts?.host ?? null,
    tstamp: parts?.tstamp ?? received,
    facility: FACILITIES[priority >> 3] ?? 'unknown',
    severity: SEVERITIES[priority & 7] ?? 'unknown',
    priority,
    format,
    app: parts?.app ?? null,
    message: parts?.message ?? rest,
    received_at: received,
  };
}

/** What {@link TcpFramer.push} found: whole messages, or a framing fault that ends the connection. */
export type FramerResult = { readonly messages: string[]; readonly fault: null } | { readonly messages: string[]; readonly fault: 'too_long' | 'bad_frame' };

/**
 * Splits one TCP connection's bytes into syslog messages, per message either octet-counted
 * (`LEN SP MSG`, when a frame starts with a digit) or terminated by LF (an optional CR
 * before it is dropped). Holds at most `maxBytes` of an unfinished message: a longer
 * message is a fault, and the caller closes the connection (framing cannot resume).
 */
export class TcpFramer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxBytes: number) {}

  /** Adds received bytes; answers the messages they complete. */
  push(chunk: Buffer): FramerResult {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: string[] = [];
    for (;;) {
      const buf = this.pending;
      if (buf.length === 0) return { messages, fault: null };
      const first = buf[0] ?? 0;
      if (first >= 0x30 && first <= 0x39) {
        const space = buf.indexOf(0x20);
        const digits = space < 0 ? buf.length : space;
        if (digits > 9) return { messages, fault: 'bad_frame' };
        if (space < 0) return { messages, fault: null };
        const text = buf.subarray(0, space).toString('latin1');
        if (!/^[1-9][0-9]*$/.test(text)) return { messages, fault: 'bad_frame' };
        const length = Number(text);
        if (length > this.maxBytes) return { messages, fault: 'too_long' };
        if (buf.length < space + 1 + length) return { messages, fault: null };
        messages.push(buf.subarray(space + 1, space + 1 + length).toString('utf8').replace(/\r?\n$/, ''));
        this.pending = buf.subarray(space + 1 + length);
        continue;
      }
      const newline = buf.indexOf(0x0a);
      // Unfinished: room for a message of maxBytes and the CR that may end it.
      if (newline < 0) return { messages, fault: buf.length > this.maxBytes + 1 ? 'too_long' : null };
      const ending = newline > 0 && buf[newline - 1] === 0x0d ? 1 : 0;
      if (newline - ending > this.maxBytes) return { messages, fault: 'too_long' };
      const message = buf.subarray(0, newline - ending).toString('utf8');
      if (message.length > 0) messages.push(message);
      this.pending = buf.subarray(newline + 1);
    }
  }
}
