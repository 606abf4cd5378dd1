/**
 * Publish-to-consumer latency of streaming delivery on SQLite:
 * 1. for each transport (COMET, SSE, WebSocket), with `--sync full` and again with
 *    `--sync normal`, one consumer while a publisher POSTs at
 *    1,000 messages/s: latency = consumer receipt − the moment the POST was sent, beside
 *    the round trip of those same POSTs (the baseline: delivery cannot beat the commit the
 *    publish waits for, and both share the machine's load);
 * 2. broadcast to 1,000 SSE consumers: messages published one at a time; for each, the
 *    time until the LAST consumer has it, beside the time until the first has it.
 * Publisher and consumers share the bench process; the daemon has its own.
 */
import { Agent, get, request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { startCliServer } from '../../test/support/cli-server.js';
import { percentile } from '../lib/stats.js';
import type { BenchContext, BenchRow, BenchSuite } from '../lib/types.js';

interface Options {
  readonly rate: number;
  readonly seconds: number;
  readonly fanout: number;
  readonly rounds: number;
}

/** POSTs one message through `agent`; resolves with its key. */
function post(agent: Agent, url: string, queue: string, value: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = `value=${encodeURIComponent(value)}`;
    const req = request(`${url}/q/${queue}`, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
    });
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text.trim()));
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** Opens a streaming GET and calls `onMessage(value)` for every message value it carries. */
function openHttp(url: string, accept: string, onMessage: (value: string) => void): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, headers: { accept } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const sep = accept === 'text/event-stream' ? '\n\n' : '\r\n';
        let at: number;
        while ((at = buffer.indexOf(sep)) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + sep.length);
          const data = accept === 'text/event-stream' ? block.split('\n').find((l) => l.startsWith('data: '))?.slice(6) : block;
          if (data !== undefined && data.startsWith('{"key"')) onMessage((JSON.parse(data) as { value: string }).value);
        }
      });
      resolve(res);
    });
    req.once('error', reject);
  });
}

/** Publishes `count` messages at `rate`/s; `sent[i]` is when message i's POST was sent; resolves with the POST round trips, ms. */
async function publishPaced(agent: Agent, url: string, queue: string, rate: number, count: number, sent: number[]): Promise<number[]> {
  const start = performance.now();
  const inFlight: Promise<number>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait)); // pacing the publisher, not waiting for a result
    const at = performance.now();
    sent[i] = at;
    inFlight.push(post(agent, url, queue, String(i)).then(() => performance.now() - at));
  }
  return Promise.all(inFlight);
}

/** Latency samples of one transport with one consumer: delivery and the publishes' own round trips, ms. */
interface OneConsumer {
  readonly latency: number[];
  readonly roundTrip: number[];
  readonly expected: number;
}

async function oneConsumer(agent: Agent, url: string, transport: 'comet' | 'sse' | 'ws', opts: Options): Promise<OneConsumer> {
  const queue = `bench-${transport}`;
  const count = opts.rate * opts.seconds;
  const sent: number[] = new Array<number>(count);
  const latency: number[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  const onMessage = (value: string): void => {
    const i = Number(value);
    latency.push(performance.now() - (sent[i] as number));
    if (latency.length === count) done();
  };
  let close: () => void;
  if (transport === 'ws') {
    const ws = new WebSocket(`${url.replace('http://', 'ws://')}/ws/${queue}`);
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    ws.on('message', (data: Buffer) => onMessage((JSON.parse(data.toString('utf8')) as { value: string }).value));
    close = () => ws.close();
  } else {
    const res = await openHttp(`${url}/${transport === 'sse' ? 'sse' : 'c'}/${queue}`, transport === 'sse' ? 'text/event-stream' : '*/*', onMessage);
    close = () => res.destroy();
  }
  const roundTrip = await publishPaced(agent, url, queue, opts.rate, count, sent);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
  clearTimeout(timer);
  close();
  return { latency, roundTrip, expected: count };
}

/** Broadcast samples: per message, time until the first and the last of `opts.fanout` SSE consumers had it, ms. */
async function fanout(agent: Agent, url: string, opts: Options): Promise<{ first: number[]; last: number[] }> {
  const queue = 'bench-fanout';
  const counts = new Map<number, number>();
  const firstAt = new Map<number, number>();
  const lastAt = new Map<number, number>();
  let waiting: { index: number; resolve: () => void } | undefined;
  const onMessage = (value: string): void => {
    const i = Number(value);
    const n = (counts.get(i) ?? 0) + 1;
    counts.set(i, n);
    if (n === 1) firstAt.set(i, performance.now());
    if (n === opts.fanout) {
      lastAt.set(i, performance.now());
      if (waiting?.index === i) waiting.resolve();
    }
  };
  const consumers: IncomingMessage[] = [];
  try {
    for (let i = 0; i < opts.fanout; i += 50) {
      const batch = Array.from({ length: Math.min(50, opts.fanout - i) }, () => openHttp(`${url}/sse/${queue}`, 'text/event-stream', onMessage));
      consumers.push(...(await Promise.all(batch)));
    }
    const last: number[] = [];
    const first: number[] = [];
    for (let i = 0; i < opts.rounds; i++) {
      const arrived = new Promise<void>((resolve) => (waiting = { index: i, resolve }));
      const t0 = performance.now();
      await post(agent, url, queue, String(i));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([arrived, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
      clearTimeout(timer);
      const l = lastAt.get(i);
      const f = firstAt.get(i);
      if (l === undefined) throw new Error(`broadcast: message ${i} reached only ${counts.get(i) ?? 0} of ${opts.fanout} consumers within 10 s`);
      last.push(l - t0);
      if (f !== undefined) first.push(f - t0);
    }
    return { first, last };
  } finally {
    for (const c of consumers) c.destroy();
  }
}

const fmt = (ms: number): string => `${ms.toFixed(2)} ms`;

/** One consumer per transport on a fresh daemon with `sync`: one row each. */
async function transportRows(ctx: BenchContext, sync: 'full' | 'normal', opts: Options): Promise<BenchRow[]> {
  const server = await startCliServer({ dataDir: ctx.tempDir(`streaming-${sync}`), sync });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const rows: BenchRow[] = [];
  try {
    // Warm-up, discarded: the first transport measured would otherwise pay for the JIT.
    for (const transport of ['comet', 'sse', 'ws'] as const) await oneConsumer(agent, server.url, transport, { ...opts, seconds: 0.3 });
    for (const transport of ['comet', 'sse', 'ws'] as const) {
      ctx.log(`streaming: ${transport}, --sync ${sync}, one consumer at ${opts.rate} msg/s for ${opts.seconds} s ...`);
      const r = await oneConsumer(agent, server.url, transport, opts);
      const missing = r.expected - r.latency.length;
      rows.push({
        suite: 'streaming',
        name: `${transport === 'ws' ? 'WebSocket' : transport === 'sse' ? 'SSE' : 'COMET'} publish → consumer p99, 1 consumer at ${opts.rate} msg/s, --sync ${sync}`,
        figure: percentile(r.latency, 99),
        unit: 'ms',
        baselineName: 'POST /q round trip p99',
        baseline: percentile(r.roundTrip, 99),
        target: { kind: 'figure-at-most', value: 5 },
        note: `p50 ${fmt(percentile(r.latency, 50))} (POST p50 ${fmt(percentile(r.roundTrip, 50))}), max ${fmt(Math.max(...r.latency))}; ${r.latency.length} messages${missing > 0 ? `; ${missing} NEVER ARRIVED` : ''}`,
      });
    }
    return rows;
  } finally {
    agent.destroy();
    await server.stop();
  }
}

/**
 * Streaming latency: one consumer per transport at 1,000 msg/s, with `--sync full` (the
 * default: a message is dispatched after its commit's fsync) and again with `--sync normal`
 * (no fsync), which separates the delivery path from the disk; then broadcast to 1,000 SSE
 * consumers with `--sync full`.
 */
export const streamingSuite: BenchSuite = {
  id: 'streaming',
  description: 'publish → consumer latency: COMET, SSE, WebSocket at 1,000 msg/s (--sync full and normal); broadcast to 1,000 SSE consumers (SQLite)',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const opts: Options = { rate: 1000, seconds: ctx.quick ? 2 : 5, fanout: 1000, rounds: 100 };
    const rows = [...(await transportRows(ctx, 'full', opts)), ...(await transportRows(ctx, 'normal', opts))];
    const server = await startCliServer({ dataDir: ctx.tempDir('streaming-fanout'), sync: 'full' });
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    try {
      ctx.log(`streaming: broadcast to ${opts.fanout} SSE consumers, ${opts.rounds} messages ...`);
      const b = await fanout(agent, server.url, opts);
      rows.push({
        suite: 'streaming',
        name: `broadcast to ${opts.fanout.toLocaleString('en-US')} SSE consumers: last one has it, p99, --sync full`,
        figure: percentile(b.last, 99),
        unit: 'ms',
        baselineName: 'first consumer has it, p99',
        baseline: percentile(b.first, 99),
        target: { kind: 'figure-at-most', value: 100 },
        note: `${opts.rounds} messages one at a time; last p50 ${fmt(percentile(b.last, 50))}, first p50 ${fmt(percentile(b.first, 50))}`,
      });
      return rows;
    } finally {
      agent.destroy();
      await server.stop();
    }
  },
};
