/**
 * What a message carries besides its value (transport attributes, a message group) is kept
 * inside its stored value, so that every store keeps it in the same record, atomically with
 * the message, and moves it with it (leases, dead letters, redrive, broadcast history)
 * without a field of its own. Stored texts, outermost first:
 *
 * - `NUL "G" <group length> ":" <group> <rest>`: the message belongs to a group (see
 *   {@link groupOfStoredValue}); `<rest>` is one of the forms below.
 * - `NUL "A" <attributes length> ":" <attributes> <value>`: the message has attributes, or
 *   its value itself starts with NUL.
 * - anything else is the value itself, so plain messages are stored exactly as sent.
 *
 * Lengths are decimal counts of UTF-16 code units (JavaScript string length). Stores read
 * only the group (lib/queue.lua reads it the same way); transports see the plain value,
 * `attributes` and `group`.
 */
import type { StoredMessage } from './types.js';

const ATTRIBUTES_MARK = '\u0000A';
const GROUP_MARK = '\u0000G';

/** The text a store keeps for `value` with `attributes` (transport-defined text, or none) in `group` (or none). */
export function encodeStoredValue(value: string, attributes: string | null | undefined, group?: string | null): string {
  let inner = value;
  if ((attributes !== null && attributes !== undefined && attributes !== '') || value.charCodeAt(0) === 0) {
    const text = attributes ?? '';
    inner = `${ATTRIBUTES_MARK}${text.length}:${text}${value}`;
  }
  if (group === null || group === undefined || group === '') return inner;
  return `${GROUP_MARK}${group.length}:${group}${inner}`;
}

/** The length-prefixed field after `mark` at the start of `stored`, and where the rest begins; null when absent or malformed. */
function field(stored: string, mark: string): { text: string; end: number } | null {
  if (!stored.startsWith(mark)) return null;
  const colon = stored.indexOf(':', mark.length);
  const digits = colon < 0 ? '' : stored.slice(mark.length, colon);
  if (!/^[0-9]{1,9}$/.test(digits)) return null;
  const end = colon + 1 + Number(digits);
  if (end > stored.length) return null;
  return { text: stored.slice(colon + 1, end), end };
}

/**
 * The group of a stored text, or null when it has none. Stores call this on every message
 * they order by group, so it looks no further than the group field.
 */
export function groupOfStoredValue(stored: string): string | null {
  if (stored.charCodeAt(0) !== 0) return null;
  const group = field(stored, GROUP_MARK);
  return group === null || group.text === '' ? null : group.text;
}

/** The value, attributes and group of a stored text; text that is not an envelope is a plain value. */
export function decodeStoredValue(stored: string): { value: string; attributes: string | null; group: string | null } {
  let rest = stored;
  let group: string | null = null;
  const grouped = field(rest, GROUP_MARK);
  if (grouped !== null) {
    group = grouped.text === '' ? null : grouped.text;
    rest = rest.slice(grouped.end);
  }
  const attributes = field(rest, ATTRIBUTES_MARK);
  if (attributes === null) return { value: rest, attributes: null, group };
  return { value: rest.slice(attributes.end), attributes: attributes.text === '' ? null : attributes.text, group };
}

/** The message as transports see it: its plain value, and its attributes and group when it has them. */
export function plainMessage<T extends StoredMessage>(message: T): T {
  if (message.value.charCodeAt(0) !== 0) return message;
  const { value, attributes, group } = decodeStoredValue(message.value);
  let plain: T = { ...message, value };
  if (attributes !== null) plain = { ...plain, attributes };
  if (group !== null) plain = { ...plain, group };
  return plain;
}
