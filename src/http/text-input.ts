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

const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * One url-encoded name or value: `+` is a space and runs of %-escapes are UTF-8 bytes. An
 * escape that is not `%` and two hex digits stays as typed, as browsers and querystring
 * leave it. Returns null when the escapes are not UTF-8.
 */
function decodeComponent(text: string): string | null {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text;
  if (!spaced.includes('%')) return spaced;
  let valid = true;
  const decoded = spaced.replace(ESCAPES, (run) => {
    const bytes = Buffer.from(run.replaceAll('%', ''), 'hex');
    if (isUtf8(bytes)) return bytes.toString('utf8');
    valid = false;
    return run;
  });
  return valid ? decoded : null;
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
