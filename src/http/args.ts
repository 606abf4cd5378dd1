/**
 * RestMQ's argument lookup: like the original (cyclone's get_argument), a named argument
 * comes from the form body or the query string, the body winning and the last repeat
 * counting. Everything returned is `unknown` until a core parser has checked it.
 */
import type { FastifyRequest } from 'fastify';
import { mediaType } from './text-input.js';

function pick(source: unknown, name: string): unknown {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return undefined;
  const value: unknown = (source as Record<string, unknown>)[name];
  return Array.isArray(value) ? (value as unknown[])[value.length - 1] : value;
}

/** True when the request body was a parsed form (url-encoded). */
export function hasFormBody(request: FastifyRequest): boolean {
  return mediaType(request) === 'application/x-www-form-urlencoded';
}

/** The argument `name` from the form body, else the query string; undefined when absent. */
export function argument(request: FastifyRequest, name: string): unknown {
  if (hasFormBody(request)) {
    const fromBody = pick(request.body, name);
    if (fromBody !== undefined) return fromBody;
  }
  return pick(request.query, name);
}

/** The first of several argument names present (RestMQ's `value` or `msg`). */
export function firstArgument(request: FastifyRequest, ...names: string[]): unknown {
  for (const name of names) {
    const value = argument(request, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * The request's arguments by RestMQ's names, for an operation's `parse`: the path's
 * parameters (`queue`, `key`) first, then form body and query string.
 */
export function requestFields(request: FastifyRequest): (name: string) => unknown {
  return (name) => pick(request.params, name) ?? argument(request, name);
}
