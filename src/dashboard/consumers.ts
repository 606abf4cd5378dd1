/**
 * Streaming consumers connected to this daemon, by queue and transport, for the dashboard:
 * the Dispatcher counts consumers but knows nothing of transports, so the HTTP layer counts
 * each COMET, SSE and WebSocket connection here when it opens and until it closes. Long
 * polls are counted by the Broker and added by the caller.
 */

/** A streaming transport a consumer connects with. */
export type StreamTransport = 'comet' | 'sse' | 'websocket';

/** Connected consumers of one queue by transport (long polls included). */
export interface ConsumerCounts {
  readonly comet: number;
  readonly sse: number;
  readonly websocket: number;
  readonly long_poll: number;
}

/** The live counts; a queue with no connection has no entry. */
export class ConsumerRegistry {
  private readonly byQueue = new Map<string, { comet: number; sse: number; websocket: number }>();

  /** Counts one connection open; call the answer once when it closes (later calls do nothing). */
  opened(queue: string, transport: StreamTransport): () => void {
    let counts = this.byQueue.get(queue);
    if (counts === undefined) {
      counts = { comet: 0, sse: 0, websocket: 0 };
      this.byQueue.set(queue, counts);
    }
    counts[transport] += 1;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const now = this.byQueue.get(queue);
      if (now === undefined) return;
      now[transport] -= 1;
      if (now.comet + now.sse + now.websocket === 0) this.byQueue.delete(queue);
    };
  }

  /** The counts of `queue`, with `longPolls` parked on it. */
  counts(queue: string, longPolls: number): ConsumerCounts {
    const c = this.byQueue.get(queue);
    return { comet: c?.comet ?? 0, sse: c?.sse ?? 0, websocket: c?.websocket ?? 0, long_poll: longPolls };
  }
}
