/**
 * Streaming test clients over real sockets: COMET and SSE read a node:http response body
 * as it arrives, WebSocket uses the `ws` client. Each collects what it received and lets a test wait for a condition with a
 * deadline (woken by arrivals, never by sleeping). A COMET client can also start stalled
 * (reading nothing) to play the slow peer of the flow-control tests.
 */
import { EventEmitter } from 'node:events';
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';

/** A streamed message as the server frames it. */
export interface Streamed {
  readonly key: string;
  readonly value: string;
}

/** Something that fills up over time and can be waited on. */
export class Collector {
  private readonly changes = new EventEmitter();
  /** Set once the stream ended, by the server or by the client. */
  ended = false;

  constructor() {
    this.changes.setMaxListeners(0);
  }

  /** Wakes waiters; call after every change. */
  changed(): void {
    this.changes.emit('change');
  }

  /** Calls `listener` on every change; returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.changes.on('change', listener);
    return () => this.changes.off('change', listener);
  }

  /** Resolves once `check()` is true; rejects with `what` after `ms`. */
  until(check: () => boolean, what: string, ms = 5000): Promise<void> {
    return untilAny([this], check, what, ms);
  }

  /** Resolves once the stream ended. */
  untilEnded(ms = 5000): Promise<void> {
    return this.until(() => this.ended, 'the stream to end', ms);
  }
}

/** Resolves once `check()` is true, re-checked whenever any of `collectors` changes. */
export function untilAny(collectors: readonly Collector[], check: () => boolean, what: string, ms = 5000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stops: (() => void)[] = [];
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      for (const stop of stops) stop();
      if (err === undefined) resolve();
      else reject(err);
    };
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}`)), ms);
    for (const c of collectors) {
      stops.push(
        c.onChange(() => {
          if (check()) finish();
        }),
      );
    }
  });
}

/** GETs `url` with node:http (one connection, no pooling) and resolves on the response head. */
function openGet(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers, signal, agent: false }, resolve);
    req.once('error', reject);
  });
}

/** Feeds a response body to `onText` as it arrives; calls `onEnd` when it ends or breaks. */
function readBody(res: IncomingMessage, onText: (text: string) => void, onEnd: () => void): void {
  res.setEncoding('utf8');
  res.on('data', (text: string) => onText(text));
  let done = false;
  const end = (): void => {
    if (done) return;
    done = true;
    onEnd();
  };
  res.once('end', end);
  res.once('close', end);
  res.once('error', end);
}

/** A COMET consumer: CRLF-separated lines of a chunked response. */
export class CometClient extends Collector {
  readonly lines: string[] = [];
  status = 0;
  contentType = '';
  private readonly abort = new AbortController();
  private buffer = '';

  /** JSON lines that carry a message, parsed as they arrive. */
  readonly messages: Streamed[] = [];

  /** Bytes of body received so far. */
  received = 0;
  private response: IncomingMessage | undefined;

  /**
   * Opens `url` and resolves once the response headers arrived. A `stalled` client reads
   * nothing more until `resume()`: node:http then stops reading the socket, so the server's
   * writes pile up in the kernel and then in the server (the slow peer of flow control).
   */
  static async open(url: string, headers: Record<string, string> = {}, stalled = false): Promise<CometClient> {
    const client = new CometClient();
    const res = await openGet(url, headers, client.abort.signal);
    client.response = res;
    if (stalled) res.pause();
    client.status = res.statusCode ?? 0;
    client.contentType = res.headers['content-type'] ?? '';
    readBody(
      res,
      (text) => {
        client.received += Buffer.byteLength(text);
        client.buffer += text;
        let at: number;
        while ((at = client.buffer.indexOf('\r\n')) >= 0) {
          const line = client.buffer.slice(0, at);
          client.lines.push(line);
          if (line.startsWith('{"key"')) client.messages.push(JSON.parse(line) as Streamed);
          client.buffer = client.buffer.slice(at + 2);
        }
        client.changed();
      },
      () => {
        client.ended = true;
        client.changed();
      },
    );
    return client;
  }

  /** Reads again after a stalled start. */
  resume(): void {
    this.response?.resume();
  }

  /** Closes the connection from the client side. */
  close(): void {
    this.abort.abort();
  }
}

/** One server-sent event. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/** An SSE consumer parsing `text/event-stream` per the HTML spec's field rules. */
export class SseClient extends Collector {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  status = 0;
  contentType = '';
  private readonly abort = new AbortController();
  private buffer = '';
  private pending: { id?: string; event?: string; data: string[] } = { data: [] };

  /** Data of `message` events, parsed as they arrive. */
  readonly messages: Streamed[] = [];

  /** Opens `url` as an event stream and resolves once the headers arrived. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    const res = await openGet(url, { accept: 'text/event-stream', ...headers }, client.abort.signal);
    client.status = res.statusCode ?? 0;
    client.contentType = res.headers['content-type'] ?? '';
    readBody(
      res,
      (text) => {
        client.buffer += text;
        let at: number;
        while ((at = client.buffer.indexOf('\n')) >= 0) {
          client.line(client.buffer.slice(0, at));
          client.buffer = client.buffer.slice(at + 1);
        }
        client.changed();
      },
      () => {
        client.ended = true;
        client.changed();
      },
    );
    return client;
  }

  private line(line: string): void {
    if (line === '') {
      if (this.pending.data.length > 0) {
        const event = { id: this.pending.id, event: this.pending.event ?? 'message', data: this.pending.data.join('\n') };
        this.events.push(event);
        if (event.event === 'message') this.messages.push(JSON.parse(event.data) as Streamed);
      }
      this.pending = { data: [] };
      return;
    }
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') this.pending.data.push(value);
    else if (field === 'id') this.pending.id = value;
    else if (field === 'event') this.pending.event = value;
    else if (field === 'retry') this.retry = Number(value);
  }

  close(): void {
    this.abort.abort();
  }
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A WebSocket consumer; frames that are not messages are kept apart as answers. */
export class WsClient extends Collector {
  readonly frames: Record<string, unknown>[] = [];
  /** Every text frame as received, JSON or not (echoes of non-command text included). */
  readonly texts: string[] = [];
  closeCode = 0;
  closeReason = '';

  private constructor(readonly socket: WebSocket) {
    super();
  }

  /** Streamed messages received. */
  get messages(): Streamed[] {
    return this.frames.filter((f) => typeof f.key === 'string' && !('queue' in f)) as unknown as Streamed[];
  }

  /** Frames that are not streamed messages (command answers, closing reasons). */
  get answers(): Record<string, unknown>[] {
    return this.frames.filter((f) => !(typeof f.key === 'string' && !('queue' in f)));
  }

  /** Connects and resolves once open; rejects with the HTTP status of a refused upgrade. */
  static open(url: string): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const client = new WsClient(socket);
      socket.on('message', (data: Buffer) => {
        const text = data.toString('utf8');
        client.texts.push(text);
        const parsed = parseObject(text);
        if (parsed !== null) client.frames.push(parsed);
        client.changed();
      });
      socket.on('close', (code, reason) => {
        client.closeCode = code;
        client.closeReason = reason.toString('utf8');
        client.ended = true;
        client.changed();
      });
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => reject(new Error(`upgrade refused: ${res.statusCode ?? 0} ${body}`)));
      });
      socket.once('error', reject);
    });
  }

  send(command: Record<string, unknown> | string): void {
    this.socket.send(typeof command === 'string' ? command : JSON.stringify(command));
  }

  close(): void {
    this.socket.close();
  }
}
