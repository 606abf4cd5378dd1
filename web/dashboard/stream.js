// The live stats: one server-sent stream (GET /dashboard/api/stats) read with fetch, so it
// can carry the Authorization header an EventSource cannot. A snapshot fills the table of
// every queue; each update replaces the rows that changed and removes the queues gone.
// The stream reconnects after a drop (a restart, a shutdown) and starts again from a snapshot.

/** How many sparkline points a queue keeps (the server sends as many in a snapshot). */
const SPARK_POINTS = 30;

/**
 * @typedef {{ queue: string, length: number, ready: number, leased: number, delayed: number, dead: number,
 *   published: number, status: string, policy: string, oldest_at: number, in_rate: number, out_rate: number,
 *   consumers: number[] }} Row
 */

/** The state every view reads. */
export class LiveStats extends EventTarget {
  /** @param {() => Record<string, string>} headers credentials and the dashboard marker */
  constructor(headers) {
    super();
    this.headers = headers;
    /** @type {Map<string, Row>} */
    this.rows = new Map();
    /** @type {Map<string, number[]>} */
    this.spark = new Map();
    this.columns = [];
    this.at = 0;
    this.store = '';
    this.intervalMs = 2000;
    this.stepMs = 16000;
    this.error = null;
    this.connected = false;
    this.closed = false;
    /** @type {AbortController | null} */
    this.abort = null;
    this.delay = 500;
    this.historyTick = 0;
  }

  /** Starts reading; `refused` fires with the error body when the server says 401 or 403. */
  start() {
    this.closed = false;
    void this.connect();
  }

  /** Stops for good. */
  stop() {
    this.closed = true;
    this.abort?.abort();
  }

  async connect() {
    this.abort = new AbortController();
    let response;
    try {
      response = await fetch('/dashboard/api/stats', { headers: { accept: 'text/event-stream', ...this.headers() }, signal: this.abort.signal });
    } catch {
      return this.retry();
    }
    if (response.status === 401 || response.status === 403) {
      const body = await response.json().catch(() => ({}));
      this.dispatchEvent(new CustomEvent('refused', { detail: { status: response.status, error: body.error ?? {} } }));
      return;
    }
    if (!response.ok || response.body === null) return this.retry();
    this.delay = 500;
    this.connected = true;
    this.dispatchEvent(new Event('status'));
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.onEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // dropped: reconnect below
    }
    this.connected = false;
    this.dispatchEvent(new Event('status'));
    this.retry();
  }

  retry() {
    if (this.closed) return;
    setTimeout(() => void this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, 10_000);
  }

  /** @param {string} block one event: `event:` and `data:` lines */
  onEvent(block) {
    let name = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) name = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (data === '') return;
    const body = JSON.parse(data);
    if (name === 'snapshot') {
      this.columns = body.columns;
      this.store = body.store;
      this.intervalMs = body.interval_ms;
      this.stepMs = body.history_step_ms;
      this.rows = new Map();
      for (const row of body.rows) this.put(row);
      this.spark = new Map(Object.entries(body.spark));
    } else if (name === 'update') {
      for (const row of body.rows) this.put(row);
      for (const queue of body.gone) {
        this.rows.delete(queue);
        this.spark.delete(queue);
      }
      if (body.history) {
        this.historyTick += 1;
        for (const [queue, row] of this.rows) {
          const points = this.spark.get(queue) ?? [];
          points.push(row.length);
          if (points.length > SPARK_POINTS) points.shift();
          this.spark.set(queue, points);
        }
      }
    } else if (name === 'close') {
      return;
    }
    this.at = body.t;
    this.error = body.error;
    this.dispatchEvent(new CustomEvent('update', { detail: { history: name === 'snapshot' || body.history === true } }));
  }

  /** @param {unknown[]} array a row in the snapshot's column order */
  put(array) {
    /** @type {Record<string, unknown>} */
    const row = {};
    this.columns.forEach((name, i) => {
      row[name] = array[i];
    });
    this.rows.set(/** @type {string} */ (row.queue), /** @type {Row} */ (row));
  }
}
