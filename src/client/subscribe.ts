/**
 * Subscriptions: one streaming consumer over SSE (a fetch-based event-stream reader, so it
 * runs in Node and browsers and can send credentials) or WebSocket, reconnecting with a
 * capped backoff and resuming after the last key it delivered (`Last-Event-ID` / `since`),
 * so within the server's broadcast history window every message arrives once, in order.
 */
import { RestMQError, errorFromAnswer, errorFromClosing } from './errors.js';
import type { Http } from './http.js';

/** One streamed message. */
export interface StreamMessage {
  readonly key: string;
  readonly value: string;
}

/** What a WebSocket must offer (the browser's, or the `ws` package's in Node). Handlers receive `unknown` and validate it. */
export interface WebSocketLike {
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  close(code?: number): void;
}

/** A WebSocket class: the global one in browsers, `ws`'s `WebSocket` in Node 20 (which has none). */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** How to subscribe. */
export interface SubscribeOptions {
  /** `sse` (default) or `websocket`. */
  readonly transport?: 'sse' | 'websocket';
  /** Resume after this key (a key of the same queue) on the first connection. */
  readonly since?: string;
  /** Called once per message, in key order. */
  readonly onMessage: (message: StreamMessage) => void;
  /** Called for each failure (refused connection, dropped stream, closing reason); a reconnect follows unless the refusal is final (a 4xx other than 408 and 429). */
  readonly onError?: (error: RestMQError) => void;
  /** Called each time a stream is open. */
  readonly onOpen?: () => void;
  /** The WebSocket class for `transport: 'websocket'`; defaults to the global one. */
  readonly WebSocket?: WebSocketConstructor;
  /** First reconnect delay in ms; doubles per failed attempt. @default 200 */
  readonly minDelayMs?: number;
  /** Cap of the reconnect delay in ms. @default 10000 */
  readonly maxDelayMs?: number;
}

/** A running subscription. */
export interface Subscription {
  /** The last key delivered, where a reconnect resumes. */
  readonly lastKey: string | null;
  /** Stops for good: closes the stream and cancels any reconnect. */
  close(): void;
}

/** The number of a key `<queue>:<n>`, or null when it is not one. */
function keySeq(key: string): number | null {
  const n = key.slice(key.lastIndexOf(':') + 1);
  return /^[1-9]\d{0,15}$/.test(n) ? Number(n) : null;
}

/** Parses a message frame `{"key","value"}`; null for anything else. */
function readMessage(data: unknown): StreamMessage | null {
  if (typeof data !== 'object' || data === null) return null;
  const { key, value } = data as Record<string, unknown>;
  return typeof key === 'string' && typeof value === 'string' ? { key, value } : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A refusal before the stream started that retrying cannot fix. */
function isFinal(error: RestMQError): boolean {
  return error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429 && error.code !== 'queue_purged' && error.code !== 'slow_consumer';
}

/** Thrown inside one connection when it ended; carries why. */
class StreamEnded extends Error {
  constructor(readonly error: RestMQError, readonly final: boolean) {
    super(error.message);
  }
}

/** Starts a subscription; see {@link SubscribeOptions}. */
export function subscribe(http: Http, queue: string, options: SubscribeOptions): Subscription {
  const minDelay = options.minDelayMs ?? 200;
  const maxDelay = options.maxDelayMs ?? 10_000;
  let lastKey = options.since ?? null;
  let lastSeq = lastKey === null ? 0 : (keySeq(lastKey) ?? 0);
  let closed = false;
  let stopCurrent: (() => void) | null = null;
  let wakeDelay: (() => void) | null = null;
  let opened = false;
  const markOpen = (): void => {
    opened = true;
    options.onOpen?.();
  };

  const deliver = (message: StreamMessage): void => {
    const seq = keySeq(message.key);
    if (seq !== null && seq <= lastSeq) return; // already delivered before a reconnect
    if (seq !== null) lastSeq = seq;
    lastKey = message.key;
    options.onMessage(message);
  };

  const connectSse = async (): Promise<void> => {
    const abort = new AbortController();
    stopCurrent = () => abort.abort();
    const headers = http.headers({ accept: 'text/event-stream', ...(lastKey === null ? {} : { 'last-event-id': lastKey }) });
    let response: Response;
    try {
      response = await http.fetch(http.url(`/sse/${encodeURIComponent(queue)}`), { headers, signal: abort.signal });
    } catch (error) {
      throw new StreamEnded(new RestMQError('network', 0, `cannot reach ${http.base}: ${error instanceof Error ? error.message : String(error)}`), false);
    }
    if (!response.ok || response.body === null) {
      const text = await response.text().catch(() => '');
      const refusal = errorFromAnswer(response.status, parseJson(text), response.headers.get('retry-after'));
      throw new StreamEnded(refusal, isFinal(refusal));
    }
    markOpen();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = 'message';
    let data: string[] = [];
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += value;
        let newline: number;
        while ((newline = buffer.search(/\r\n|\r|\n/)) !== -1) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(buffer[newline] === '\r' && buffer[newline + 1] === '\n' ? newline + 2 : newline + 1);
          if (line === '') {
            const payload = parseJson(data.join('\n'));
            if (event === 'close') throw new StreamEnded(errorFromClosing(payload), false);
            const message = data.length > 0 ? readMessage(payload) : null;
            if (message !== null) deliver(message);
            event = 'message';
            data = [];
          } else if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
          else if (line.startsWith('event:')) event = line.slice(6).trim();
        }
      }
    } catch (error) {
      if (error instanceof StreamEnded) throw error;
      throw new StreamEnded(new RestMQError('network', 0, `the stream broke: ${error instanceof Error ? error.message : String(error)}`), false);
    } finally {
      abort.abort();
    }
    throw new StreamEnded(new RestMQError('network', 0, 'the stream ended'), false);
  };

  const connectWebSocket = (): Promise<void> => {
    const Constructor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (Constructor === undefined) return Promise.reject(new StreamEnded(new RestMQError('network', 0, 'no WebSocket class: pass options.WebSocket (e.g. from the ws package)'), true));
    const url = new URL(http.url(`/ws/${encodeURIComponent(queue)}`, { since: lastKey ?? undefined, access_token: http.token ?? undefined }));
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return new Promise((_resolve, reject) => {
      const socket = new Constructor(url.toString());
      let reason: RestMQError | null = null;
      stopCurrent = () => socket.close();
      socket.onopen = markOpen;
      socket.onmessage = (event: unknown) => {
        const data = typeof event === 'object' && event !== null ? (event as { data?: unknown }).data : undefined;
        const payload = typeof data === 'string' ? parseJson(data) : null;
        const message = readMessage(payload);
        if (message !== null) deliver(message);
        else if (typeof payload === 'object' && payload !== null && 'error' in payload) reason = errorFromClosing(payload);
      };
      socket.onerror = () => {
        reason ??= new RestMQError('network', 0, 'the WebSocket failed');
      };
      socket.onclose = () => reject(new StreamEnded(reason ?? new RestMQError('network', 0, 'the WebSocket closed'), false));
    });
  };

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeDelay = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const run = async (): Promise<void> => {
    let attempt = 0;
    while (!closed) {
      opened = false;
      try {
        await (options.transport === 'websocket' ? connectWebSocket() : connectSse());
      } catch (error) {
        if (closed) return;
        const ended = error instanceof StreamEnded ? error : new StreamEnded(new RestMQError('network', 0, String(error)), false);
        options.onError?.(ended.error);
        if (ended.final) return;
      }
      attempt = opened ? 1 : attempt + 1; // a stream that opened starts the backoff over
      await pause(Math.min(maxDelay, minDelay * 2 ** Math.min(attempt - 1, 20)));
    }
  };

  void run();
  return {
    get lastKey() {
      return lastKey;
    },
    close() {
      closed = true;
      stopCurrent?.();
      wakeDelay?.();
    },
  };
}
