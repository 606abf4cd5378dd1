/**
 * Test support for the HTTP suite: read answers the way a client would, check the catalog
 * error shapes, watch a queue's counters, run JSONP answers as real JavaScript, and wait on
 * a condition with a deadline instead of sleeping.
 */
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { ERROR_CATALOG } from '../../src/core/errors.js';
import type { ErrorCode } from '../../src/core/errors.js';
import { queueName } from './server.js';

/** An answer read in full: status, headers and body text. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Sends a request and reads the whole body, so no socket is left half-read. */
export async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** POSTs a url-encoded form and reads the answer. */
export function form(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** POSTs a raw body with the given content type and reads the answer. */
export function raw(url: string, contentType: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Answer> {
  // A copy typed on a plain ArrayBuffer, which fetch's body type asks for.
  const payload = typeof body === 'string' ? body : new Uint8Array(body);
  return request(url, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body: payload });
}

/** Parses a JSON answer, checking RestMQ's trailing CRLF and the JSON content type. */
export function json(answer: Answer): unknown {
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/, `not JSON: ${answer.text}`);
  assert.ok(answer.text.endsWith('\r\n'), `JSON answer without trailing CRLF: ${JSON.stringify(answer.text)}`);
  return JSON.parse(answer.text) as unknown;
}

/** Asserts the catalog error `{"error":{"code","message"}}` with the catalog's status. */
export function assertError(answer: Answer, code: ErrorCode): void {
  assert.equal(answer.status, ERROR_CATALOG[code].status, `status for ${code}: ${answer.text}`);
  const body = json(answer);
  assert.ok(isRecord(body) && isRecord(body.error), `not a catalog error: ${answer.text}`);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message']);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.notEqual(body.error.message, '');
}

/** Asserts the JSON protocol's flat error `{"error": message, "code": code}`. */
export function assertFlatError(answer: Answer, code: ErrorCode): void {
  assert.equal(answer.status, ERROR_CATALOG[code].status, `status for ${code}: ${answer.text}`);
  const body = json(answer);
  assert.ok(isRecord(body), `not an object: ${answer.text}`);
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error']);
  assert.equal(body.code, code);
  assert.equal(typeof body.error, 'string');
  assert.notEqual(body.error, '');
}

/** A plain JSON object, for narrowing `unknown` answers. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What /stats/<queue> says about a queue's store footprint. */
export interface QueueCounters {
  readonly len: number;
  readonly published: number;
}

/** Reads a queue's length and published count from /stats/<queue>. */
export async function counters(baseUrl: string, queue: string): Promise<QueueCounters> {
  const body = json(await request(`${baseUrl}/stats/${encodeURIComponent(queue)}`));
  assert.ok(isRecord(body) && typeof body.len === 'number' && typeof body.published === 'number', JSON.stringify(body));
  return { len: body.len, published: body.published };
}

/** True when /q/ lists `queue`. */
export async function queueExists(baseUrl: string, queue: string): Promise<boolean> {
  return (await queueList(baseUrl)).includes(queue);
}

/** Runs `act` and asserts that it left `queue`'s counters (and its existence) unchanged. */
export async function assertUntouched(baseUrl: string, queue: string, act: () => Promise<void>): Promise<void> {
  const before = await counters(baseUrl, queue);
  const existed = await queueExists(baseUrl, queue);
  await act();
  assert.deepEqual(await counters(baseUrl, queue), before, `queue ${queue} changed`);
  assert.equal(await queueExists(baseUrl, queue), existed, `queue ${queue} appeared or vanished`);
}

/**
 * Runs a JSONP answer as JavaScript in a fresh context where `callback` (a dotted path is
 * allowed) records its arguments; returns them. Throws when the text does not parse.
 */
export function runJsonp(text: string, callback: string): unknown[][] {
  const calls: unknown[][] = [];
  const parts = callback.split('.');
  const sandbox: Record<string, unknown> = {};
  let holder = sandbox;
  parts.forEach((part, i) => {
    if (i === parts.length - 1) {
      holder[part] = (...args: unknown[]) => calls.push(args);
    } else {
      const next: Record<string, unknown> = {};
      holder[part] = next;
      holder = next;
    }
  });
  runInNewContext(text, sandbox, { timeout: 1000 });
  // Values made in another context fail deepStrictEqual's prototype check: round-trip them.
  return calls.map((args) => args.map((a) => (a === undefined ? a : (JSON.parse(JSON.stringify(a)) as unknown))));
}

/** Asserts a JSONP answer: JavaScript content type, and one call of `callback` with `expected`. */
export function assertJsonp(answer: Answer, callback: string, expected: unknown, status = 200): void {
  assert.equal(answer.status, status, answer.text);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/javascript/);
  assert.deepEqual(runJsonp(answer.text, callback), [[expected]]);
}


/** The names /q/ lists. */
export async function queueList(baseUrl: string): Promise<string[]> {
  const body = json(await request(`${baseUrl}/q/`, { headers: { accept: 'application/json' } }));
  assert.ok(isRecord(body) && Array.isArray(body.queues));
  return body.queues.map(String);
}

/** Runs `act` and asserts that no queue appeared or vanished (for requests naming no valid queue). */
export async function assertNoQueueCreated(baseUrl: string, act: () => Promise<void>): Promise<void> {
  const before = await queueList(baseUrl);
  await act();
  assert.deepEqual(await queueList(baseUrl), before, 'the set of queues changed');
}

/** A fresh queue holding one message, so "untouched" checks compare non-trivial counters. */
export async function seededQueue(baseUrl: string): Promise<string> {
  const q = queueName();
  assert.equal((await form(`${baseUrl}/q/${q}`, { value: 'seed' })).status, 200);
  return q;
}

/** Publishes `value` to `queue` with a form POST, asserting a 200; answers the new key. */
export async function publishValue(baseUrl: string, queue: string, value: string): Promise<string> {
  const answer = await form(`${baseUrl}/q/${queue}`, { value });
  if (answer.status !== 200) throw new Error(`publish to ${queue} answered ${answer.status}: ${answer.text}`);
  return answer.text.trimEnd();
}

/** A fetch init sending `body` as JSON (a string body is sent as it is). */
export function jsonInit(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

/** The catalog code of an error answer read with fetch. */
export async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}
