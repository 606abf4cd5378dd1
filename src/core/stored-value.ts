/**
 * Attributes kept with a message inside its stored value, so that every store keeps them
 * in the same record, atomically with the message, and moves them with it (leases, dead
 * letters, redrive) without a field of its own. A stored value that carries attributes,
 * or that itself starts with NUL, is `NUL "A" <attributes length> ":" <attributes> <value>`;
 * any other stored value is the value itself, so messages without attributes are stored
 * exactly as before. Transports see only the plain value (and `attributes`).
 */
import type { StoredMessage } from './types.js';

const MARK = '\u0000A';

/** The text a store keeps for `value` with `attributes` (transport-defined text, or none). */
export function encodeStoredValue(value: string, attributes: string | null | undefined): string {
  if ((attributes === null || attributes === undefined || attributes === '') && value.charCodeAt(0) !== 0) return value;
  const text = attributes ?? '';
  return `${MARK}${text.length}:${text}${value}`;
}

/** The value and attributes of a stored text; text that is not an envelope is a plain value. */
export function decodeStoredValue(stored: string): { value: string; attributes: string | null } {
  if (!stored.startsWith(MARK)) return { value: stored, attributes: null };
  const colon = stored.indexOf(':', MARK.length);
  const digits = colon < 0 ? '' : stored.slice(MARK.length, colon);
  const length = Number(digits);
  if (!/^[0-9]{1,9}$/.test(digits) || colon + 1 + length > stored.length) return { value: stored, attributes: null };
  const attributes = stored.slice(colon + 1, colon + 1 + length);
  return { value: stored.slice(colon + 1 + length), attributes: length === 0 ? null : attributes };
}

/** The message as transports see it: its plain value, and its attributes when it has any. */
export function plainMessage<T extends StoredMessage>(message: T): T {
  if (message.value.charCodeAt(0) !== 0) return message;
  const { value, attributes } = decodeStoredValue(message.value);
  return attributes === null ? { ...message, value } : { ...message, value, attributes };
}
