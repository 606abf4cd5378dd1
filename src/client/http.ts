/**
 * The client's one HTTP path: builds the URL, adds credentials and `Accept: application/json`,
 * and turns a refusal into a typed error. Uses the global `fetch` (Node 20, browsers) unless
 * one is injected.
 */
import { RestMQError, errorFromAnswer } from './errors.js';

/** Where the server is and who we are. */
export interface ConnectionOptions {
  /** Base URL, e.g. `http://127.0.0.1:8888`. */
  readonly url: string;
  /** Bearer token (`Authorization: Bearer`); wins over username/password. */
  readonly token?: string;
  /** HTTP Basic user name (with `password`). */
  readonly username?: string;
  /** HTTP Basic password. */
  readonly password?: string;
  /** A `fetch` to use instead of the global one (tests, proxies, polyfills). */
  readonly fetch?: typeof fetch;
}

/** One request: query arguments and at most one body. */
export interface RequestSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly query?: Record<string, string | number | undefined>;
  readonly json?: unknown;
  readonly form?: Record<string, string | number | undefined>;
  readonly headers?: Record<string, string>;
}

/** A 2xx answer: status, parsed JSON body (null when empty) and headers. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** url-encodes arguments, leaving out undefined ones. */
function encodeArguments(args: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(args)) if (value !== undefined) params.set(name, String(value));
  return params.toString();
}

/** The HTTP session of a client: immutable settings, no state between requests. */
export class Http {
  readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly authorization: string | null;
  /** The token, for transports that cannot send headers (a browser WebSocket). */
  readonly token: string | null;

  constructor(options: ConnectionOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.token = options.token ?? null;
    if (options.token !== undefined) this.authorization = `Bearer ${options.token}`;
    else if (options.username !== undefined) this.authorization = `Basic ${base64(`${options.username}:${options.password ?? ''}`)}`;
    else this.authorization = null;
  }

  /** The full URL of a path with query arguments (undefined ones left out). */
  url(path: string, query: Record<string, string | number | undefined> = {}): string {
    const search = encodeArguments(query);
    return `${this.base}${path}${search === '' ? '' : `?${search}`}`;
  }

  /** Headers every request carries: credentials, plus the given ones. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.authorization === null ? {} : { authorization: this.authorization }), ...extra };
  }

  /** The underlying fetch, for streams. */
  fetch(input: string, init: RequestInit): Promise<Response> {
    return this.fetchImpl(input, init);
  }

  /** Sends one request; a non-2xx answer throws its typed {@link RestMQError}. */
  async request(spec: RequestSpec): Promise<Answer> {
    const headers = this.headers({ accept: 'application/json', ...spec.headers });
    let body: string | undefined;
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    } else if (spec.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = encodeArguments(spec.form);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(spec.path, spec.query), { method: spec.method, headers, body });
    } catch (error) {
      throw new RestMQError('network', 0, `cannot reach ${this.base}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const text = await response.text();
    let parsed: unknown = null;
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text.trim();
      }
    }
    if (!response.ok) throw errorFromAnswer(response.status, parsed, response.headers.get('retry-after'));
    return { status: response.status, body: parsed, headers: response.headers };
  }
}
