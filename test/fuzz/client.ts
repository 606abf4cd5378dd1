/**
 * The fuzzer's HTTP client and its one judgement of an answer: node:http (so paths, header
 * values and body bytes go out exactly as generated, with no client-side repair), and an
 * answer is acceptable when its status is below 500 and, for 4xx, its body is a catalog error
 * with the catalog's status, in either the nested or the JSON protocol's flat shape.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { ERROR_CATALOG } from '../../src/core/errors.js';
import type { ErrorCode } from '../../src/core/errors.js';

/** One request the fuzzer sends. */
export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string | undefined>;
  readonly body?: Buffer | undefined;
}

/** An answer read in full (or, for a stream that started, only its head). */
export interface FuzzAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Closes the pooled sockets, so the server can shut down at once. */
export function closeAgent(): void {
  agent.destroy();
}

/**
 * Sends `req` to `base`. A 2xx streaming answer (COMET, SSE) never ends, so its head is the
 * answer and the socket is dropped.
 */
export function send(base: string, req: FuzzRequest): Promise<FuzzAnswer> {
  const url = new URL(base);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers ?? {})) if (value !== undefined) headers[name] = value;
  if (req.body !== undefined) headers['content-length'] = String(req.body.length);
  return new Promise((resolve, reject) => {
    const out = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent },
      (res) => {
        const status = res.statusCode ?? 0;
        const contentType = res.headers['content-type'] ?? '';
        if (status < 300 && /^(text\/event-stream|text\/plain|application\/javascript)/.test(contentType) && res.headers['content-length'] === undefined) {
          out.destroy();
          resolve({ status, contentType, text: '' });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status, contentType, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(req.body);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON inside an answer, unwrapping JSONP (`cb(<json>);`). */
function answerJson(answer: FuzzAnswer): unknown {
  let text = answer.text.trimEnd();
  if (answer.contentType.startsWith('application/javascript')) text = text.slice(text.indexOf('(') + 1, text.lastIndexOf(');'));
  return JSON.parse(text) as unknown;
}

/** The catalog code of an error body in either shape, or undefined. */
export function errorCode(body: unknown): unknown {
  if (!isRecord(body)) return undefined;
  if (isRecord(body.error)) return body.error.code;
  return body.code;
}

/** True when `code` is a catalog code (its own key, not one inherited from Object). */
export function isCatalogCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOG, code);
}

/** Asserts that `answer` is below 500 and, when 4xx, a catalog error with the catalog's status. */
export function assertAcceptable(answer: FuzzAnswer, what: string): void {
  assert.ok(answer.status < 500, `${what} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  if (answer.status < 400) return;
  const code = errorCode(answerJson(answer));
  assert.ok(isCatalogCode(code), `${what}: ${answer.status} without a catalog code: ${answer.text.slice(0, 300)}`);
  assert.equal(ERROR_CATALOG[code].status, answer.status, `${what}: ${code} with status ${answer.status}`);
}
