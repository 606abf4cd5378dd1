/**
 * Frames written to one connection in the same turn of the event loop leave in one
 * `writev` instead of one system call each: the first write of a turn corks the socket and
 * the socket is uncorked once the turn's ticks and promise callbacks have run. A leased
 * WebSocket consumer gets its messages and its ack answers in bursts (a group commit
 * settles many at once), and a call per frame was the largest item of its profile.
 */

/** What of a socket the cork needs (a `net.Socket`). */
export interface Corkable {
  cork(): void;
  uncork(): void;
  readonly destroyed: boolean;
}

/** A function to call before each write: it corks `socket` until the end of the current turn. */
export function corkPerTurn(socket: Corkable): () => void {
  let corked = false;
  const uncork = (): void => {
    corked = false;
    if (!socket.destroyed) socket.uncork();
  };
  return () => {
    if (corked || socket.destroyed) return;
    corked = true;
    socket.cork();
    process.nextTick(uncork);
  };
}
