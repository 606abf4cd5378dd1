/**
 * Test support: a raw TCP client for what fetch cannot do (hold a connection idle, pipeline
 * requests, send a body slowly, pick the source address, never read), recording what the
 * server sent and when it closed.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** A connected raw client. */
export interface RawClient {
  readonly socket: Socket;
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** True once the server (or we) closed the connection. */
  closed(): boolean;
  /** Resolves once the connection is closed, with the time it took from `since` (ms). */
  readonly whenClosed: Promise<number>;
  /** Waits until `received()` satisfies `check` or `timeoutMs` passes (then throws). */
  waitFor(check: (text: string) => boolean, timeoutMs: number, what: string): Promise<string>;
}

/** Connects to 127.0.0.1:`port`, from `localAddress` when given. */
export function rawConnect(port: number, localAddress?: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ port, host: '127.0.0.1', ...(localAddress === undefined ? {} : { localAddress }) });
    let text = '';
    let isClosed = false;
    const listeners = new Set<() => void>();
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      for (const l of [...listeners]) l();
    });
    socket.on('error', () => undefined);
    const whenClosed = new Promise<number>((done) => {
      socket.once('close', () => {
        isClosed = true;
        for (const l of [...listeners]) l();
        done(Date.now() - started);
      });
    });
    socket.once('connect', () => {
      resolve({
        socket,
        received: () => text,
        closed: () => isClosed,
        whenClosed,
        waitFor(check, timeoutMs, what) {
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => {
              listeners.delete(test);
              fail(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received ${JSON.stringify(text.slice(0, 300))}`));
            }, timeoutMs);
            const test = (): void => {
              if (!check(text)) return;
              clearTimeout(timer);
              listeners.delete(test);
              ok(text);
            };
            listeners.add(test);
            test();
          });
        },
      });
    });
    socket.once('error', reject);
  });
}

/** Complete HTTP/1.1 responses (headers and a content-length body) at the start of `text`. */
export function responses(text: string): { status: number; headers: Record<string, string>; body: string }[] {
  const out: { status: number; headers: Record<string, string>; body: string }[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? '0');
    if (rest.length < end + 4 + length) return out;
    out.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
}
