/**
 * Pipelined HTTP requests run one at a time per connection, and only while the connection
 * has room: before a request runs, every earlier request on its socket has handed its whole
 * answer to the socket and the socket holds fewer than `bufferBytes` unsent bytes. A peer
 * that pipelines requests without reading the answers therefore costs at most one answer
 * plus the buffer bound, not one answer per request. A peer that stays over the bound
 * without reading anything for `stallMs` while a request waits is cut (large-answers.ts
 * cuts one that stops reading a large answer), and a socket whose parsed requests pile up
 * is not read until they drain. Answers keep their
 * order either way (HTTP/1.1 requires it), so only a pipelining peer waits.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { startReading, stopReading, waitForRoom } from './backpressure.js';

/** Parsed requests one socket may have waiting before it is no longer read. */
export const MAX_WAITING_REQUESTS = 32;

/** Waiting requests past which a socket that cannot stop being read is cut. */
const HARD_WAITING_LIMIT = 4096;

/** Settings of the gate. */
export interface PipelineSettings {
  /** Unsent bytes a connection may hold before its next request waits. */
  readonly bufferBytes: number;
  /** How long a connection may stay over `bufferBytes` without its peer reading any of it before it is cut, ms. */
  readonly stallMs: number;
}

interface SocketLine {
  running: boolean;
  waiting: (() => void)[];
  pumping: boolean;
  stopped: boolean;
}

/** Adds the gate as an onRequest hook of `app`. */
export function gatePipelinedRequests(app: FastifyInstance, settings: PipelineSettings): void {
  const lines = new WeakMap<Socket, SocketLine>();

  const hasRoom = (socket: Socket): boolean => socket.writableLength < settings.bufferBytes;
  /** Waits for room on `socket`; a peer that stays full, reading nothing, for stallMs is cut (then false). */
  const roomOn = (socket: Socket): Promise<boolean> =>
    waitForRoom({
      hasRoom: () => hasRoom(socket),
      pending: () => socket.writableLength,
      stallMs: settings.stallMs,
      cut: () => socket.destroy(),
      onWake: (wake) => {
        socket.on('drain', wake);
        return () => socket.off('drain', wake);
      },
      closed: () => socket.destroyed,
    });

  const pump = async (socket: Socket, line: SocketLine): Promise<void> => {
    if (line.pumping) return;
    line.pumping = true;
    try {
      while (!line.running && line.waiting.length > 0) {
        if (!(await roomOn(socket))) {
          line.waiting = [];
          return;
        }
        const next = line.waiting.shift();
        if (line.stopped && line.waiting.length <= MAX_WAITING_REQUESTS / 2) {
          line.stopped = false;
          startReading(socket);
        }
        next?.();
      }
    } finally {
      line.pumping = false;
    }
  };

  const admit = (socket: Socket, res: ServerResponse, run: () => void): void => {
    let line = lines.get(socket);
    if (line === undefined) {
      line = { running: false, waiting: [], pumping: false, stopped: false };
      lines.set(socket, line);
    }
    const current = line;
    // The common case, one request at a time with room to answer: no wait, no promise.
    if (!current.running && current.waiting.length === 0 && !current.pumping && hasRoom(socket)) {
      start(socket, current, res, run);
      return;
    }
    current.waiting.push(() => start(socket, current, res, run));
    if (current.waiting.length > MAX_WAITING_REQUESTS && !current.stopped) current.stopped = stopReading(socket);
    if (!current.stopped && current.waiting.length > HARD_WAITING_LIMIT) socket.destroy();
    void pump(socket, current);
  };

  const start = (socket: Socket, line: SocketLine, res: ServerResponse, run: () => void): void => {
    line.running = true;
    let over = false;
    // 'prefinish': the whole answer is in the socket's buffer, where the room check sees it
    // ('finish' would wait for a peer that does not read); 'close': the request was aborted.
    const answered = (): void => {
      if (over) return;
      over = true;
      line.running = false;
      void pump(socket, line);
    };
    // on, not once: `answered` runs once anyway, and once() would wrap it per request.
    res.on('prefinish', answered);
    res.on('close', answered);
    run();
  };

  app.addHook('onRequest', (request, reply, done) => {
    // An upgrade leaves HTTP: the WebSocket bounds its own commands.
    if (request.raw.headers.upgrade !== undefined) {
      done();
      return;
    }
    admit(request.raw.socket, reply.raw, () => done());
  });
}
