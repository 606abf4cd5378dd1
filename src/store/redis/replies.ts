/**
 * Checks of script replies. Redis answers `unknown` as far as the type system knows; these
 * turn the shapes our scripts produce into typed values and refuse anything else.
 */
import { unexpectedReply } from './errors.js';
import { formatKey } from '../../core/names.js';
import type { DeadLetterOrigin, MessageState, StoredMessage } from '../../core/types.js';

/** The reply as an array, or throws. */
export function asArray(reply: unknown, what: string): unknown[] {
  if (!Array.isArray(reply)) throw unexpectedReply(what, reply);
  return reply as unknown[];
}

/** An integer reply or a decimal string, as a number; throws otherwise. */
export function asInt(reply: unknown, what: string): number {
  if (typeof reply === 'number' && Number.isSafeInteger(reply)) return reply;
  if (typeof reply === 'string' && /^-?[0-9]{1,16}$/.test(reply)) return Number(reply);
  throw unexpectedReply(what, reply);
}

/** A bulk string reply; throws otherwise. */
export function asString(reply: unknown, what: string): string {
  if (typeof reply === 'string') return reply;
  throw unexpectedReply(what, reply);
}

/** Fields per message in a script reply (lib/queue.lua `describe`). */
export const ROW_FIELDS = 7;

function stateOf(reply: unknown): MessageState {
  if (reply === 'ready' || reply === 'delayed' || reply === 'leased') return reply;
  throw unexpectedReply('message state', reply);
}

function originOf(reply: unknown): DeadLetterOrigin | null {
  const text = asString(reply, 'dead-letter origin');
  if (text === '') return null;
  const bar = text.indexOf('|');
  if (bar <= 0) throw unexpectedReply('dead-letter origin', text);
  return { sourceKey: text.slice(bar + 1), attempts: asInt(text.slice(0, bar), 'dead-letter attempts') };
}

/** The parts of a message that its stored record holds. */
export type MessageRecord = Pick<StoredMessage, 'createdAt' | 'expiresAt' | 'value'>;

/**
 * Decodes a stored record, `<createdAt>|<expiresAt or empty>|<value>`, as both the queue
 * (`msg`) and the broadcast history hold it. The value may hold any text, pipes included,
 * so it starts after the second pipe. `what` names the record in the error a malformed
 * one raises.
 */
export function decodeRecord(raw: string, what: string): MessageRecord {
  const a = raw.indexOf('|');
  const b = a < 0 ? -1 : raw.indexOf('|', a + 1);
  if (a <= 0 || b < 0) throw unexpectedReply(what, raw.slice(0, 40));
  const expires = raw.slice(a + 1, b);
  return {
    value: raw.slice(b + 1),
    createdAt: asInt(raw.slice(0, a), `${what} createdAt`),
    expiresAt: expires === '' ? null : asInt(expires, `${what} expiresAt`),
  };
}

/**
 * Decodes one message of a script reply, the 7 fields of `describe` from `at`: seq, raw
 * (the stored record, {@link decodeRecord}), reads, attempts, visibleAt, state and
 * dead-letter origin.
 */
export function decodeRow(queue: string, reply: readonly unknown[], at: number): StoredMessage {
  const seq = asInt(reply[at], 'message seq');
  return {
    key: formatKey(queue, seq),
    seq,
    ...decodeRecord(asString(reply[at + 1], 'message'), 'message'),
    reads: asInt(reply[at + 2], 'message reads'),
    ...attemptsOf(reply[at + 3]),
    visibleAt: asInt(reply[at + 4], 'message visibleAt'),
    state: stateOf(reply[at + 5]),
    deadLetter: originOf(reply[at + 6]),
  };
}

/** The attempts entry of a reply: `<count>|<first lease time>`, or a bare count (never leased, or stored before the time was kept). */
function attemptsOf(field: unknown): { attempts: number; firstLeasedAt?: number } {
  const text = asString(field, 'message attempts');
  const bar = text.indexOf('|');
  if (bar < 0) return { attempts: asInt(text, 'message attempts') };
  return { attempts: asInt(text.slice(0, bar), 'message attempts'), firstLeasedAt: asInt(text.slice(bar + 1), 'message first lease') };
}

/** Every message of a reply whose rows start at `from`. */
export function decodeRows(queue: string, reply: readonly unknown[], from: number): StoredMessage[] {
  const out: StoredMessage[] = [];
  for (let at = from; at + ROW_FIELDS <= reply.length; at += ROW_FIELDS) out.push(decodeRow(queue, reply, at));
  return out;
}
