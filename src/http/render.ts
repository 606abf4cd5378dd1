/**
 * Rendering shared by every HTTP route: RestMQ's trailing CRLF, JSONP wrapping and the
 * error body. Kept in one place so that routes never format a response by hand.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RestMQError } from '../core/errors.js';
import { MAX_CALLBACK_LENGTH } from '../core/limits.js';
import { argument } from './args.js';

const CALLBACK = /^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;


/** The request's validated JSONP callback, or null; throws `invalid_callback`. */
export function jsonpCallback(request: FastifyRequest): string | null {
  const raw = argument(request, 'callback');
  if (raw === undefined || raw === '') return null;
  if (typeof raw !== 'string' || raw.length > MAX_CALLBACK_LENGTH || !CALLBACK.test(raw)) {
    throw new RestMQError('invalid_callback');
  }
  return raw;
}

/** True when the client asked for JSON (`Accept: application/json`). */
export function wantsJson(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').toLowerCase().includes('application/json');
}

/** True when the client prefers an HTML page (a browser). */
export function wantsHtml(request: FastifyRequest): boolean {
  const accept = (request.headers.accept ?? '').toLowerCase();
  return accept.includes('text/html') && !accept.includes('application/json');
}

/**
 * Sends `body` as JSON followed by CRLF (as RestMQ did), or as `callback(body);` when the
 * request carries a valid callback. The callback was validated before any work was done.
 */
export function sendJson(request: FastifyRequest, reply: FastifyReply, body: unknown, status = 200): FastifyReply {
  const json = JSON.stringify(body);
  const callback = request.jsonpCallback;
  reply.code(status);
  if (callback !== null) {
    return reply.type('application/javascript; charset=utf-8').send(`${callback}(${json});\r\n`);
  }
  return reply.type('application/json; charset=utf-8').send(`${json}\r\n`);
}

/** Sends text followed by CRLF; with a callback, the text as a JSON string in JSONP. */
export function sendText(request: FastifyRequest, reply: FastifyReply, text: string): FastifyReply {
  if (request.jsonpCallback !== null) return sendJson(request, reply, text);
  return reply.code(200).type('text/plain; charset=utf-8').send(`${text}\r\n`);
}

/** Sends an HTML page. */
export function sendHtml(reply: FastifyReply, html: string): FastifyReply {
  return reply.code(200).type('text/html; charset=utf-8').send(html);
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The JSON body of an error, `{"error":{"code","message"}}`. */
export function errorBody(err: RestMQError): { error: { code: string; message: string } } {
  return { error: { code: err.code, message: err.message } };
}

/** RestMQ's own flat error body, used by the JSON protocol (`/queue`, WebSocket frames). */
export function flatErrorBody(err: RestMQError): { error: string; code: string } {
  return { error: err.message, code: err.code };
}

/** The challenge of every 401: both schemes RestMQ takes. */
export const AUTH_CHALLENGE = 'Basic realm="RestMQ", charset="UTF-8", Bearer realm="RestMQ"';

/**
 * Sends a catalog error: logs it when it is the server's fault (a store outage is counted
 * by the server's StoreOutageLog instead, and a refusal while shutting down is expected),
 * sets `Retry-After` when the code implies one, and renders `body` (the nested or the flat
 * shape) with its status.
 */
export function sendError(request: FastifyRequest, reply: FastifyReply, err: RestMQError, body: unknown): FastifyReply {
  if (err.code === 'store_unavailable') request.server.storeOutage.refused(err);
  else if (err.status >= 500 && err.code !== 'shutting_down') request.log.error({ err }, 'request failed');
  if (err.retryAfterSeconds !== null) void reply.header('retry-after', String(err.retryAfterSeconds));
  if (err.code === 'unauthorized') void reply.header('www-authenticate', AUTH_CHALLENGE);
  return sendJson(request, reply, body, err.status);
}
