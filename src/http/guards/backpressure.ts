/**
 * Backpressure between a peer's requests and its unread answers: wait before running the
 * next request or command while the connection holds too many unsent bytes, and cut a peer
 * that stays full; stop reading a socket whose parsed requests pile up. Shared by the
 * pipelined-HTTP gate (pipelining.ts) and the WebSocket command loop.
 */
import type { Socket } from 'node:net';

/** How often a waiting connection looks at its buffer again, ms (a drain event wakes it sooner). */
const ROOM_CHECK_MS = 250;

/** How one connection waits for room. */
export interface RoomWait {
  /** True while the connection may take one more answer. */
  readonly hasRoom: () => boolean;
  /** Bytes the connection has not sent yet: while they go down, the peer is reading. */
  readonly pending: () => number;
  /** Cut the peer when it stays without room and reads nothing for this long, ms. */
  readonly stallMs: number;
  /** Ends the connection at once. */
  readonly cut: () => void;
  /** Calls `wake` when the connection may have room again (a drain); returns the unsubscribe. */
  readonly onWake: (wake: () => void) => () => void;
  /** True once the connection is gone: waiting ends without running anything. */
  readonly closed: () => boolean;
}

/**
 * Resolves true as soon as `hasRoom()` holds, false when the connection closed while
 * waiting or stayed full without reading anything for `stallMs` (then it has been cut). A
 * slow peer that keeps reading is never cut, however long it takes.
 */
export function waitForRoom(wait: RoomWait): Promise<boolean> {
  if (wait.closed()) return Promise.resolve(false);
  if (wait.hasRoom()) return Promise.resolve(true);
  return new Promise((resolve) => {
    let stalledSince = Date.now();
    let lastPending = wait.pending();
    let unsubscribe = (): void => undefined;
    const finish = (result: boolean): void => {
      clearInterval(ticker);
      unsubscribe();
      resolve(result);
    };
    const check = (): void => {
      if (wait.closed()) return finish(false);
      if (wait.hasRoom()) return finish(true);
      const pending = wait.pending();
      if (pending < lastPending) stalledSince = Date.now();
      lastPending = pending;
      if (Date.now() - stalledSince >= wait.stallMs) {
        wait.cut();
        finish(false);
      }
    };
    const ticker = setInterval(check, Math.max(1, Math.min(ROOM_CHECK_MS, Math.floor(wait.stallMs / 4))));
    ticker.unref();
    unsubscribe = wait.onWake(check);
  });
}

/** The parts of a libuv stream handle this file uses. */
interface ReadableHandle {
  reading: boolean;
  readStart(): number;
  readStop(): number;
}

function handleOf(socket: Socket): ReadableHandle | null {
  const handle: unknown = Reflect.get(socket, '_handle');
  if (typeof handle !== 'object' || handle === null) return null;
  if (typeof Reflect.get(handle, 'readStart') !== 'function' || typeof Reflect.get(handle, 'readStop') !== 'function') return null;
  if (typeof Reflect.get(handle, 'reading') !== 'boolean') return null;
  return handle as ReadableHandle;
}

/**
 * Stops reading `socket` after the chunk in hand. Node's HTTP parser consumes the socket's
 * handle directly, so `socket.pause()` does not stop it (test/http/pipelining.test.ts pins
 * this); this flips the handle the way net.Socket itself does, keeping its `reading` flag
 * true to the handle's state. Answers false when the socket has no such handle (then the
 * caller bounds the pile another way).
 */
export function stopReading(socket: Socket): boolean {
  const handle = handleOf(socket);
  if (handle === null) return false;
  if (handle.reading) {
    handle.reading = false;
    handle.readStop();
  }
  return true;
}

/** Reads `socket` again after {@link stopReading}. */
export function startReading(socket: Socket): void {
  const handle = handleOf(socket);
  if (handle === null || handle.reading || socket.destroyed) return;
  handle.reading = true;
  const err = handle.readStart();
  if (err !== 0) socket.destroy();
}
