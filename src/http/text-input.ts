/**
 * Text that arrives over HTTP, read strictly: media types compared case-insensitively (as
 * RFC 9110 says and as fastify picks its parsers), bodies decoded as UTF-8 or refused, and
 * url-encoded forms and query strings decoded by one parser that refuses %-escapes which
 * are not UTF-8. Values are UTF-8 text by design, so nothing is stored as U+FFFD.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyRequest } from 'fastify';
import { RestMQError } from '../core/errors.js';
import { toRestMQError } from './errors.js';

/** The request's media type, lower case and without parameters (`''` when absent). */
export function mediaType(request: FastifyRequest): string {
  const header = request.headers['content-type'] ?? '';
  const semicolon = header.indexOf(';');
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

/** `bytes` as text, or `invalid_utf8` naming `what` when they are not UTF-8. */
export function utf8Text(bytes: Buffer, what: string): string {
  if (!isUtf8(bytes)) throw new RestMQError('invalid_utf8', `${what} is not valid UTF-8; encode binary values, e.g. as base64`);
  return bytes.toString('utf8');
}

/** How a fastify body parser answers. */
type ParserDone = (err: Error | null, body?: unknown) => void;

/** Fastify body parser for text and JSON bodies: the body as a string, or `invalid_utf8`. */
export function textBodyParser(_request: FastifyRequest, body: Buffer, done: ParserDone): void {
  parseWith(() => utf8Text(body, 'the request body'), done);
}

function parseWith(parse: () => unknown, done: ParserDone): void {
  let parsed: unknown;
  try {
    parsed = parse();
  } catch (err) {
    done(toRestMQError(err));
    return;
  }
  done(null, parsed);
}

/** The value of a hex digit's char code, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** Byte-wise decoding, for text the native decoder refuses: broken escapes stay as typed. */
function decodeBytewise(text: string): string | null {
  const out = Buffer.allocUnsafe(Buffer.byteLength(text, 'utf8'));
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && i + 2 < text.length) {
      const high = hexValue(text.charCodeAt(i + 1));
      const low = hexValue(text.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        out[n++] = high * 16 + low;
        i += 2;
        continue;
      }
    }
    if (c < 0x80) {
      out[n++] = c;
    } else {
      const point = text.codePointAt(i) ?? c;
      n += out.write(String.fromCodePoint(point), n, 'utf8');
      if (point > 0xffff) i++;
    }
  }
  const bytes = out.subarray(0, n);
  return isUtf8(bytes) ? bytes.toString('utf8') : null;
}

/**
 * One url-encoded name or value: `+` is a space and %-escapes are UTF-8 bytes. An escape
 * that is not `%` and two hex digits stays as typed, as browsers and querystring leave it.
 * Returns null when the escapes are not UTF-8.
 */
function decodeComponent(text: string): string | null {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced); // the common case, at native speed
  } catch {
    return decodeBytewise(spaced);
  }
}

/** Parsed url-encoded text: a name maps to its value, or to every value when it repeats. */
export type UrlEncoded = Record<string, string | string[]>;

/**
 * Parses url-encoded text (`a=1&b=2`). The result has no prototype, so a field named
 * `__proto__` is only a field. Throws `invalid_utf8` when an escape is not UTF-8, unless
 * `lenient`, which keeps such a component as typed (for the router, which must not throw;
 * {@link assertUtf8Query} refuses those requests before any handler runs).
 */
export function parseUrlEncoded(text: string, lenient = false): UrlEncoded {
  const result: UrlEncoded = Object.create(null) as UrlEncoded;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const name = decodeComponent(rawName) ?? (lenient ? rawName : null);
    const value = decodeComponent(rawValue) ?? (lenient ? rawValue : null);
    if (name === null || value === null) {
      throw new RestMQError('invalid_utf8', 'a form field or query parameter has %-escapes that are not UTF-8');
    }
    const previous = result[name];
    if (previous === undefined) result[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else result[name] = [previous, value];
  }
  return result;
}

/** Fastify body parser for `application/x-www-form-urlencoded`: UTF-8 bytes, UTF-8 escapes. */
export function formBodyParser(_request: FastifyRequest, body: Buffer, done: ParserDone): void {
  parseWith(() => parseUrlEncoded(utf8Text(body, 'the form body')), done);
}

/** Throws `invalid_utf8` when the query string of `url` has %-escapes that are not UTF-8. */
export function assertUtf8Query(url: string): void {
  const mark = url.indexOf('?');
  if (mark === -1 || !url.includes('%', mark)) return;
  parseUrlEncoded(url.slice(mark + 1));
}
