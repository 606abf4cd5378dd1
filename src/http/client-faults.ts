/**
 * Client mistakes are the client's business: a malformed WebSocket frame or a peer that
 * vanishes mid-frame is logged at debug, without a stack, and at most
 * {@link CLIENT_FAULTS_PER_WINDOW} times per {@link CLIENT_FAULT_WINDOW_MS} (the next line
 * after a quiet spell says how many were left out), so a misbehaving client cannot flood
 * the log. Faults of the server itself still go to error.
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';

/** Client-fault lines logged per window at most. */
export const CLIENT_FAULTS_PER_WINDOW = 20;
/** The rate-limit window of client-fault lines, ms. */
export const CLIENT_FAULT_WINDOW_MS = 10_000;

/** Socket errors a peer causes: a broken frame (ws's `WS_ERR_*`) or a connection it cut. */
const PEER_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

/** True when `err` comes from what the peer sent or did, not from the server. */
export function isPeerFault(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('WS_ERR_') || PEER_CODES.has(code));
}

/** A rate-limited debug log of client mistakes. */
export class ClientFaultLog {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs one client mistake at debug unless this window's budget is spent. */
  note(message: string, fields: Record<string, unknown>): void {
    const now = this.now();
    if (now - this.windowStart >= CLIENT_FAULT_WINDOW_MS) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (this.inWindow >= CLIENT_FAULTS_PER_WINDOW) {
      this.suppressed++;
      return;
    }
    this.inWindow++;
    const extra = this.suppressed > 0 ? { suppressed: this.suppressed } : {};
    this.suppressed = 0;
    this.log.debug({ ...fields, ...extra }, message);
  }
}

/**
 * The `errorHandler` of @fastify/websocket: ends the socket, logging a peer's fault through
 * `faults` and anything else (a handler that threw) at error.
 */
export function websocketErrorHandler(faults: ClientFaultLog): (error: Error, socket: WebSocket, request: FastifyRequest) => void {
  return (error, socket, request) => {
    if (isPeerFault(error)) {
      faults.note('websocket peer error; connection closed', { code: (error as Error & { code?: unknown }).code, reason: error.message, url: request.url.split('?')[0] }); // never the query: ?access_token= may be in it
    } else {
      request.log.error({ err: error }, 'websocket handler failed');
    }
    socket.terminate();
  };
}
