/**
 * Publish-to-consumer latency of streaming delivery.
 *
 *   npx tsx bench/stream-latency.ts [--rate 1000] [--seconds 3] [--fanout 1000] [--rounds 100] [--sync full|normal]
 *
 * Starts RestMQ (the built `bin/restmq`, so run `npm run build` first) as a child process
 * on a free port with a temp data dir, then, from this process:
 * 1. for each transport (COMET, SSE, WebSocket), one consumer while a publisher POSTs at
 *    `--rate` messages/s for `--seconds`: latency = consumer receipt − the moment the POST
 *    was sent, p50/p99;
 * 2. broadcast to `--fanout` SSE consumers: `--rounds` messages published one at a time;
 *    for each, the time until the LAST consumer has it (and the first), p50/p99.
 * Publisher and consumers share this process; the server has its own. Numbers depend on the
 * machine and on what else runs on it: report them with that said.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, get, request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

interface Options {
  rate: number;
  seconds: number;
  fanout: number;
  rounds: number;
  sync: string;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { rate: 1000, seconds: 3, fanout: 1000, rounds: 100, sync: 'full' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, '');
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value for ${argv[i] ?? ''}`);
    if (name === 'sync') opts.sync = value;
    else if (name === 'rate' || name === 'seconds' || name === 'fanout' || name === 'rounds') opts[name] = Number(value);
    else throw new Error(`unknown option ${argv[i] ?? ''}`);
  }
  return opts;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

async function startServer(opts: Options): Promise<{ url: string; child: ChildProcess; dir: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'restmq-bench-'));
  const child = spawn(
    process.execPath,
    ['bin/restmq', 'serve', '--port', String(port), '--data-dir', dir, '--sync', opts.sync, '--log-level', 'warn'],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, child, dir };
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** POSTs one message; resolves with its key. */
function post(url: string, queue: string, value: string): Promise<string> {
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

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function summary(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return `n=${s.length} p50=${percentile(s, 50).toFixed(2)} ms p99=${percentile(s, 99).toFixed(2)} ms max=${(s.at(-1) ?? NaN).toFixed(2)} ms`;
}

/** Publishes `count` messages at `rate`/s; `sent[i]` is when message i's POST was sent. */
async function publishPaced(url: string, queue: string, rate: number, count: number, sent: number[]): Promise<void> {
  const start = performance.now();
  const inFlight: Promise<string>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sent[i] = performance.now();
    inFlight.push(post(url, queue, String(i)));
  }
  await Promise.all(inFlight);
}

async function oneConsumer(url: string, transport: 'comet' | 'sse' | 'ws', opts: Options): Promise<string> {
  const queue = `bench-${transport}-${process.pid}`;
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
  await publishPaced(url, queue, opts.rate, count, sent);
  await Promise.race([all, new Promise((r) => setTimeout(r, 30_000))]);
  close();
  return `${transport.padEnd(5)} 1 consumer @ ${opts.rate} msg/s: ${summary(latency)}${latency.length < count ? ` (only ${latency.length}/${count} arrived)` : ''}`;
}

async function fanout(url: string, opts: Options): Promise<string[]> {
  const queue = `bench-fanout-${process.pid}`;
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
  for (let i = 0; i < opts.fanout; i += 50) {
    const batch = Array.from({ length: Math.min(50, opts.fanout - i) }, () => openHttp(`${url}/sse/${queue}`, 'text/event-stream', onMessage));
    consumers.push(...(await Promise.all(batch)));
  }
  const last: number[] = [];
  const first: number[] = [];
  for (let i = 0; i < opts.rounds; i++) {
    const arrived = new Promise<void>((resolve) => (waiting = { index: i, resolve }));
    const t0 = performance.now();
    await post(url, queue, String(i));
    await Promise.race([arrived, new Promise((r) => setTimeout(r, 10_000))]);
    const l = lastAt.get(i);
    const f = firstAt.get(i);
    if (l !== undefined) last.push(l - t0);
    if (f !== undefined) first.push(f - t0);
  }
  for (const c of consumers) c.destroy();
  return [
    `broadcast to ${opts.fanout} SSE consumers, last consumer: ${summary(last)}`,
    `broadcast to ${opts.fanout} SSE consumers, first consumer: ${summary(first)}`,
  ];
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const server = await startServer(opts);
  const lines: string[] = [];
  try {
    for (const transport of ['comet', 'sse', 'ws'] as const) lines.push(await oneConsumer(server.url, transport, opts));
    lines.push(...(await fanout(server.url, opts)));
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    rmSync(server.dir, { recursive: true, force: true });
    agent.destroy();
  }
  console.log(`stream latency (sync=${opts.sync}, server in its own process, clients in this one)`);
  for (const line of lines) console.log(`  ${line}`);
}

await main();
