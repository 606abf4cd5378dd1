/**
 * Checks of script replies. Redis answers `unknown` as far as the type system knows; these
 * turn the shapes our scripts produce into typed values and refuse anything else.
 */
import { unexpectedReply } from './errors.js';
import { formatKey } from '../../core/names.js';
import type { StoredMessage } from '../../core/types.js';

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

/**
 * Decodes one stored message: the raw form is `<createdAt>|<expiresAt or empty>|<value>`,
 * so the value (which may hold any text, pipes included) starts after the second pipe.
 */
export function decodeMessage(queue: string, seqReply: unknown, rawReply: unknown, readsReply: unknown): StoredMessage {
  const seq = asInt(seqReply, 'message seq');
  const raw = asString(rawReply, 'message');
  const a = raw.indexOf('|');
  const b = a < 0 ? -1 : raw.indexOf('|', a + 1);
  if (a <= 0 || b < 0) throw unexpectedReply('message', raw.slice(0, 40));
  const expires = raw.slice(a + 1, b);
  return {
    key: formatKey(queue, seq),
    seq,
    value: raw.slice(b + 1),
    createdAt: asInt(raw.slice(0, a), 'message createdAt'),
    expiresAt: expires === '' ? null : asInt(expires, 'message expiresAt'),
    reads: asInt(readsReply, 'message reads'),
    // INTERIM (redis-stream): only ready messages exist until redis-reliable lands.
    attempts: 0,
    state: 'ready',
    visibleAt: 0,
    deadLetter: null,
  };
}
