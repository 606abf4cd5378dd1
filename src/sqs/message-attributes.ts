/**
 * SQS message attributes: checked as AWS checks them, stored with the message as JSON text
 * (the Broker keeps them inside the stored value), selected on receive by name or prefix,
 * and digested exactly as AWS digests them (`MD5OfMessageAttributes`), because SDKs
 * recompute the digest and refuse an answer whose digest differs.
 */
import { createHash } from 'node:crypto';
import { SqsError } from './errors.js';

/** One attribute as the JSON protocol carries it (binary values base64). */
export interface AttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

/** Attributes by name. */
export type Attributes = Readonly<Record<string, AttributeValue>>;

/** Most attributes per message. */
export const MAX_ATTRIBUTES = 10;

const NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]{1,200})?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function invalid(reason: string): SqsError {
  return new SqsError('InvalidParameterValue', reason);
}

/** Checks `MessageAttributes` of a send; answers them (or null when none) and their size in bytes. */
export function parseMessageAttributes(raw: unknown): { attributes: Attributes | null; bytes: number } {
  if (raw === undefined || raw === null) return { attributes: null, bytes: 0 };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('MessageAttributes must be a map.');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) return { attributes: null, bytes: 0 };
  if (entries.length > MAX_ATTRIBUTES) throw invalid(`Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
  const out: Record<string, AttributeValue> = {};
  let bytes = 0;
  for (const [name, value] of entries) {
    if (!NAME.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..') || /^(aws\.|amazon\.)/i.test(name)) {
      throw invalid(`Message attribute name '${name.slice(0, 256)}' is invalid: 1-256 characters from A-Z a-z 0-9 _ - ., no leading, trailing or repeated period, and not starting with AWS. or Amazon.`);
    }
    if (typeof value !== 'object' || value === null) throw invalid(`The message attribute '${name}' must contain a DataType and a value.`);
    const { DataType, StringValue, BinaryValue, StringListValues, BinaryListValues } = value as Record<string, unknown>;
    if (typeof DataType !== 'string' || !DATA_TYPE.test(DataType) || DataType.length > 256) {
      throw invalid(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    }
    if ((Array.isArray(StringListValues) && StringListValues.length > 0) || (Array.isArray(BinaryListValues) && BinaryListValues.length > 0)) {
      throw new SqsError('UnsupportedOperation', `Message attribute list values in '${name}' are not supported (AWS reserves them).`);
    }
    if (DataType.startsWith('Binary')) {
      if (typeof BinaryValue !== 'string' || BinaryValue === '' || !BASE64.test(BinaryValue)) {
        throw invalid(`The message attribute '${name}' with type 'Binary' must use field 'Binary' with a non-empty base64 value.`);
      }
      out[name] = { DataType, BinaryValue };
      bytes += Buffer.from(BinaryValue, 'base64').length;
    } else {
      if (typeof StringValue !== 'string' || StringValue === '') {
        throw invalid(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${DataType}'.`);
      }
      if (DataType.startsWith('Number') && !/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(StringValue)) {
        throw invalid(`Can't cast the value of message (user) attribute '${name}' to a number.`);
      }
      out[name] = { DataType, StringValue };
      bytes += Buffer.byteLength(StringValue, 'utf8');
    }
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(DataType, 'utf8');
  }
  return { attributes: out, bytes };
}

/** The one message system attribute a sender may set (AWS X-Ray's trace header). */
const TRACE_HEADER = 'AWSTraceHeader';

/**
 * Checks `MessageSystemAttributes` of a send: only `AWSTraceHeader`, a non-empty String
 * (as AWS allows). Answers it as attributes (for its digest), or null when none. It does
 * not count toward the message size, as in AWS.
 */
export function parseSystemAttributes(raw: unknown): Attributes | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('MessageSystemAttributes must be a map.');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) return null;
  for (const [name, value] of entries) {
    if (name !== TRACE_HEADER) throw invalid(`Message system attribute name '${name.slice(0, 256)}' is invalid.`);
    const { DataType, StringValue } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    if (DataType !== 'String') throw invalid(`The message system attribute '${TRACE_HEADER}' must have the data type String.`);
    if (typeof StringValue !== 'string' || StringValue === '' || Buffer.byteLength(StringValue, 'utf8') > 1024) {
      throw invalid(`The message system attribute '${TRACE_HEADER}' must contain a non-empty value of at most 1024 bytes.`);
    }
    return { [TRACE_HEADER]: { DataType, StringValue } };
  }
  return null;
}

function lengthPrefixed(bytes: Buffer): Buffer[] {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return [length, bytes];
}

/**
 * `MD5OfMessageAttributes`: over the attributes sorted by name, each as its name, its data
 * type (both 4-byte big-endian length + UTF-8), a transport byte (1 string, 2 binary) and
 * its value (length + bytes).
 */
export function md5OfAttributes(attributes: Attributes): string {
  const hash = createHash('md5');
  for (const name of Object.keys(attributes).sort()) {
    const a = attributes[name] as AttributeValue;
    const binary = a.BinaryValue !== undefined;
    const value = binary ? Buffer.from(a.BinaryValue, 'base64') : Buffer.from(a.StringValue ?? '', 'utf8');
    for (const part of [...lengthPrefixed(Buffer.from(name, 'utf8')), ...lengthPrefixed(Buffer.from(a.DataType, 'utf8')), Buffer.from([binary ? 2 : 1]), ...lengthPrefixed(value)]) {
      hash.update(part);
    }
  }
  return hash.digest('hex');
}

/**
 * Stored under names senders cannot use (AWS reserves the `AWS.` prefix, and
 * {@link parseMessageAttributes} refuses it): system attributes of the message kept for
 * receive (`MessageDeduplicationId`, a standard queue's `MessageGroupId`), so that text
 * written before they existed still reads as plain message attributes.
 */
const SYSTEM_PREFIX = 'AWS.';

/** The attributes text to store: the message attributes plus `system` values; null when there is neither. */
export function storedAttributes(attributes: Attributes | null, system: Readonly<Record<string, string>>): string | null {
  const all: Record<string, AttributeValue> = { ...attributes };
  for (const [name, value] of Object.entries(system)) all[`${SYSTEM_PREFIX}${name}`] = { DataType: 'String', StringValue: value };
  return Object.keys(all).length === 0 ? null : JSON.stringify(all);
}

/** The system values kept in stored attributes text, by name. */
export function storedSystemAttributes(stored: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (stored === undefined) return out;
  for (const [name, value] of Object.entries(JSON.parse(stored) as Record<string, AttributeValue>)) {
    if (name.startsWith(SYSTEM_PREFIX) && value.StringValue !== undefined) out[name.slice(SYSTEM_PREFIX.length)] = value.StringValue;
  }
  return out;
}

/** The stored message attributes `names` select: `All` or `.*` every one, `prefix.*` by prefix, else by name. */
export function selectAttributes(stored: string | undefined, names: readonly string[]): Attributes | null {
  if (stored === undefined || names.length === 0) return null;
  const all = JSON.parse(stored) as Record<string, AttributeValue>;
  const picked: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(all)) {
    if (name.startsWith(SYSTEM_PREFIX)) continue;
    const wanted = names.some((n) => n === 'All' || n === '.*' || n === name || (n.endsWith('.*') && name.startsWith(n.slice(0, -1))));
    if (wanted) picked[name] = value;
  }
  return Object.keys(picked).length === 0 ? null : picked;
}
