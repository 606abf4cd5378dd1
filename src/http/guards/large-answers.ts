/**
 * Large answers leave in chunks, as the peer takes them. An answer bigger than the
 * connection's buffer bound (`bufferBytes`) is handed to the socket one chunk at a time
 * (backpressure), instead of as one write the socket holds whole until the kernel took the
 * last byte. Each chunk the socket asks for is progress; a peer that asks for none for
 * `stallMs` has stopped reading and is cut, while a slow peer that keeps reading gets its
 * answer however long it takes. Small answers are written as before.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';

/** Bytes per chunk of a large answer. */
export const ANSWER_CHUNK_BYTES = 64 * 1024;

/** Settings of the chunking. */
export interface LargeAnswerSettings {
  /** Answers larger than this go out in chunks. */
  readonly bufferBytes: number;
  /** A peer that takes no chunk for this long is cut, ms. */
  readonly stallMs: number;
}

/** A stream of `payload` in chunks; calls `onStall` when no chunk is asked for within `stallMs`. */
export function chunkedAnswer(payload: Buffer, stallMs: number, onStall: () => void): Readable {
  let offset = 0;
  let timer: NodeJS.Timeout | undefined;
  return new Readable({
    highWaterMark: ANSWER_CHUNK_BYTES,
    read() {
      clearTimeout(timer);
      if (offset >= payload.length) {
        this.push(null);
        return;
      }
      const end = Math.min(payload.length, offset + ANSWER_CHUNK_BYTES);
      const chunk = payload.subarray(offset, end);
      offset = end;
      timer = setTimeout(onStall, stallMs);
      timer.unref();
      this.push(chunk);
    },
    destroy(err, callback) {
      clearTimeout(timer);
      callback(err);
    },
  });
}

/** Adds the chunking as an onSend hook of `app`. */
export function chunkLargeAnswers(app: FastifyInstance, settings: LargeAnswerSettings): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : Buffer.isBuffer(payload) ? payload.length : 0;
    if (size <= settings.bufferBytes || request.method === 'HEAD') {
      done(null, payload);
      return;
    }
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : (payload as Buffer);
    reply.header('content-length', String(bytes.length));
    const socket = request.raw.socket;
    done(null, chunkedAnswer(bytes, settings.stallMs, () => socket.destroy()));
  });
}
