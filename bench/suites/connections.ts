/**
 * Server memory per idle streaming connection: RSS of the daemon after a full GC, before
 * and after opening N idle SSE (or WebSocket) consumers of one queue, divided by N. The
 * baseline is the same measurement against a bare node:http server holding the same idle
 * responses and upgraded sockets (bench/fixtures/bare-stream-server.mjs), the floor Node
 * itself costs. Each side is a fresh process started with `--expose-gc` and a SIGUSR2 GC
 * hook (bench/fixtures/gc-on-signal.mjs); clients are raw sockets in the bench process,
 * spread over 127.0.0.x source addresses so ephemeral ports never run short.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readMemory, startCliServer } from '../../test/support/cli-server.js';
import type { BenchContext, BenchRow, BenchSuite } from '../lib/types.js';

type Kind = 'sse' | 'ws';

const GC_HOOK = fileURLToPath(new URL('../fixtures/gc-on-signal.mjs', import.meta.url));
const BARE_SERVER = fileURLToPath(new URL('../fixtures/bare-stream-server.mjs', import.meta.url));
const QUEUE = 'bench-idle';
/** Source addresses the clients spread over (127.0.0.2 to 127.0.0.17). */
const SOURCES = 16;

/** A process whose memory is measured. */
interface Measured {
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
}

/** The soft limit on open files of this process (the daemons inherit it). */
function openFileLimit(): number {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  if (match?.[1] === undefined) throw new Error('no "Max open files" in /proc/self/limits');
  return match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1]);
}

/** Runs a full GC in `pid` through its SIGUSR2 hook, waits until the hook reports it, then reads RSS. */
async function rssAfterGc(pid: number, gcFile: string, runs: number): Promise<number> {
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lines = existsSync(gcFile) ? readFileSync(gcFile, 'utf8').split('\n').filter((l) => l !== '') : [];
    if (lines.includes('no-gc')) throw new Error('the measured process has no gc() (was --expose-gc passed?)');
    if (lines.length >= runs) break;
    if (Date.now() > deadline) throw new Error(`process ${pid} did not report its GC`);
    await sleep(20);
  }
  return readMemory(pid).rss;
}

async function startBare(ctx: BenchContext, gcFile: string): Promise<Measured> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', GC_HOOK, BARE_SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, RESTMQ_BENCH_GC_FILE: gcFile },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) {
        const parsed: unknown = JSON.parse(line);
        const p: unknown = typeof parsed === 'object' && parsed !== null ? (parsed as { port?: unknown }).port : undefined;
        if (typeof p === 'number') resolve(p);
        else reject(new Error(`bare server said ${line}`));
      }
    });
    void exited.then(() => reject(new Error('the bare server exited before listening')));
  });
  ctx.log(`connections: bare node:http server on port ${port}`);
  const pid = child.pid;
  if (pid === undefined) throw new Error('bare server has no pid');
  return {
    pid,
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function startRestmq(ctx: BenchContext, gcFile: string): Promise<Measured> {
  const server = await startCliServer({
    dataDir: ctx.tempDir('connections'),
    sync: 'full',
    nodeArgs: ['--expose-gc', '--import', GC_HOOK],
    env: { RESTMQ_BENCH_GC_FILE: gcFile },
  });
  return {
    pid: server.pid,
    port: server.port,
    async stop() {
      await server.stop();
    },
  };
}

/** Opens one idle consumer with a raw socket; resolves once the server answered 200 (SSE) or 101 (WebSocket). */
function openIdle(port: number, kind: Kind, source: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: source });
    const head =
      kind === 'sse'
        ? `GET /sse/${QUEUE} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`
        : `GET /ws/${QUEUE} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1');
      if (!seen.includes('\r\n')) return;
      socket.off('data', onData);
      const status = seen.slice(0, seen.indexOf('\r\n'));
      if (status.includes(kind === 'sse' ? ' 200 ' : ' 101 ')) {
        socket.on('data', () => undefined); // idle: heartbeats are read and dropped
        resolve(socket);
      } else {
        socket.destroy();
        reject(new Error(`${kind} consumer answered ${status}`));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(head);
  });
}

async function openMany(port: number, kind: Kind, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  const wave = 200;
  for (let i = 0; i < count; i += wave) {
    const opened = await Promise.all(Array.from({ length: Math.min(wave, count - i) }, (_, j) => openIdle(port, kind, `127.0.0.${2 + ((i + j) % SOURCES)}`)));
    sockets.push(...opened);
  }
  return sockets;
}

/** Bytes of RSS per idle connection of `kind` in the process `start` gives. */
async function perConnection(ctx: BenchContext, label: string, kind: Kind, count: number, start: (gcFile: string) => Promise<Measured>): Promise<number> {
  const gcFile = join(ctx.tempDir(`gc-${label}-${kind}`), 'gc.log');
  const target = await start(gcFile);
  let sockets: Socket[] = [];
  try {
    // Warm-up: the first connections load code and grow pools that later ones reuse.
    const warm = await openMany(target.port, kind, 200);
    for (const s of warm) s.destroy();
    await sleep(500); // lets the server see the warm-up close; a benchmark pause
    const before = await rssAfterGc(target.pid, gcFile, 1);
    const opened = performance.now();
    sockets = await openMany(target.port, kind, count);
    ctx.log(`connections: ${label} ${kind}: ${count} open in ${Math.round(performance.now() - opened)} ms`);
    await sleep(1000); // idle: nothing is sent; lets late allocations settle
    const after = await rssAfterGc(target.pid, gcFile, 2);
    const per = (after - before) / count;
    ctx.log(`connections: ${label} ${kind}: RSS ${(before / 1_048_576).toFixed(1)} → ${(after / 1_048_576).toFixed(1)} MiB, ${(per / 1024).toFixed(2)} KiB each`);
    return per;
  } finally {
    for (const s of sockets) s.destroy();
    await target.stop();
  }
}

/** RSS per idle SSE and WebSocket connection against bare node:http. */
export const connectionsSuite: BenchSuite = {
  id: 'connections',
  description: 'server RSS per idle SSE / WebSocket connection, against bare node:http holding the same connections',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const wanted = ctx.quick ? 2000 : 10_000;
    // Both sides of a connection live on this machine: the client's fds here, the server's in the daemon.
    const limit = openFileLimit();
    const count = Math.min(wanted, limit - 300);
    if (count < wanted) ctx.log(`connections: open-file limit ${limit}, using ${count} connections (raise it with ulimit -n)`);
    const rows: BenchRow[] = [];
    for (const kind of ['sse', 'ws'] as const) {
      const bare = await perConnection(ctx, 'bare', kind, count, (f) => startBare(ctx, f));
      const restmq = await perConnection(ctx, 'restmq', kind, count, (f) => startRestmq(ctx, f));
      rows.push({
        suite: 'connections',
        name: `RSS per idle ${kind === 'sse' ? 'SSE' : 'WebSocket'} connection, ${count.toLocaleString('en-US')} open${count < 10_000 ? ` (10,000 in a full run${ctx.quick ? '; --quick' : '; fd limit'})` : ''}`,
        figure: restmq / 1024,
        unit: 'KiB',
        baselineName: 'bare node:http, same connections',
        baseline: bare / 1024,
        target: { kind: 'figure-at-most', value: 16 },
        note: `(RSS after − RSS before) / ${count}, each after a full GC; one queue, broadcast; clients over ${SOURCES} source addresses`,
      });
    }
    return rows;
  },
};
