/**
 * Memory and timeout figures of the per-client limits (docs/limits.md): the daemon (the
 * real `bin/restmq`, in a child process, so its RSS is measured alone) is fed 1 MB
 * messages, then each scenario runs against a fresh daemon and reports the growth of its
 * peak RSS (VmHWM) over the RSS before the scenario:
 *
 * - `peek`: one `GET /q/big?peek=100`, read in full;
 * - `pipelined`: 300 pipelined `GET /q/big/big:1` from a peer that never reads;
 * - `websocket`: 300 `{"cmd":"get"}` frames from a peer that never reads;
 * - `peek4-256mb`: four concurrent peeks against a daemon with a 256 MB heap (does it live?);
 * - `slow-body`: a POST body sent one byte every second: how long the server keeps it open.
 *
 * Usage: `npm run build && npx tsx bench/limits.ts [scenario...] [-- extra serve flags]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { startCliServer } from '../test/support/cli-server.js';
import type { CliServer } from '../test/support/cli-server.js';

const MB = 1024 * 1024;
const MESSAGES = 100;
const FLOOD = 300;

const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const wanted = split < 0 ? argv : argv.slice(0, split);
const extraArgs = split < 0 ? [] : argv.slice(split + 1);
const ALL = ['peek', 'pipelined', 'websocket', 'peek4-256mb', 'slow-body'];
const scenarios = wanted.length > 0 ? wanted : ALL;

async function withDaemon<T>(nodeArgs: string[], run: (server: CliServer) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'restmq-limits-'));
  const server = await startCliServer({ dataDir, sync: 'normal', extraArgs, nodeArgs });
  try {
    return await run(server);
  } finally {
    if ((await Promise.race([server.exited.then(() => true), Promise.resolve(false)])) === false) await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function fill(server: CliServer, count: number): Promise<void> {
  const value = 'x'.repeat(MB);
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${server.url}/q/big`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: value });
    if (!res.ok) throw new Error(`publish answered ${res.status}`);
    await res.arrayBuffer();
  }
}

/** Waits until RSS stops rising (no new peak for 1.5 s) or 8 s pass; answers peak growth in MB. */
async function peakGrowth(server: CliServer, before: number): Promise<number> {
  let peak = server.memory().peakRss;
  let still = Date.now();
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline && Date.now() - still < 1500) {
    await sleep(100);
    const now = server.memory().peakRss;
    if (now > peak) {
      peak = now;
      still = Date.now();
    }
  }
  return Math.round((peak - before) / MB);
}

function rawSocket(server: CliServer): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

const run: Record<string, () => Promise<string>> = {
  peek: () =>
    withDaemon([], async (server) => {
      await fill(server, MESSAGES);
      const before = server.memory().rss;
      const res = await fetch(`${server.url}/q/big?peek=${MESSAGES}`);
      const body = await res.text();
      const count = (JSON.parse(body) as unknown[]).length;
      return `peek=100 of 1 MB: peak RSS +${await peakGrowth(server, before)} MB; answered ${count} messages, truncated=${res.headers.get('restmq-truncated') ?? 'no'}`;
    }),
  pipelined: () =>
    withDaemon([], async (server) => {
      await fill(server, 1);
      const before = server.memory().rss;
      const socket = await rawSocket(server);
      socket.pause(); // never reads
      socket.write('GET /q/big/big:1 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(FLOOD));
      const growth = await peakGrowth(server, before);
      const alive = !socket.destroyed && socket.readyState === 'open';
      socket.destroy();
      return `${FLOOD} pipelined GETs of a 1 MB message, peer never reads: peak RSS +${growth} MB; socket ${alive ? 'still open' : 'closed'}`;
    }),
  websocket: () =>
    withDaemon([], async (server) => {
      await fill(server, 1);
      const before = server.memory().rss;
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws/ws-idle`);
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      ws.on('error', () => undefined);
      const underlying: unknown = Reflect.get(ws, '_socket');
      if (underlying instanceof Socket) underlying.pause(); // never reads
      for (let i = 0; i < FLOOD; i++) ws.send(JSON.stringify({ cmd: 'get', queue: 'big' }));
      const growth = await peakGrowth(server, before);
      ws.terminate();
      return `${FLOOD} WebSocket get frames of a 1 MB message, peer never reads: peak RSS +${growth} MB`;
    }),
  'peek4-256mb': () =>
    withDaemon(['--max-old-space-size=256'], async (server) => {
      await fill(server, MESSAGES);
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, async () => {
          const res = await fetch(`${server.url}/q/big?peek=${MESSAGES}`);
          return (JSON.parse(await res.text()) as unknown[]).length;
        }),
      );
      const exited = await Promise.race([server.exited.then(() => true), sleep(500).then(() => false)]);
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      return `4 concurrent peek=100 of 1 MB, 256 MB heap: ${ok}/4 answered; daemon ${exited ? 'CRASHED' : 'alive'}`;
    }),
  'slow-body': () =>
    withDaemon([], async (server) => {
      const socket = await rawSocket(server);
      socket.on('data', () => undefined);
      socket.write('POST /q/slow HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n');
      const started = Date.now();
      let closedAt: number | null = null;
      socket.once('close', () => {
        closedAt = Date.now();
      });
      const limitMs = 40_000;
      while (closedAt === null && Date.now() - started < limitMs) {
        socket.write('x');
        await sleep(1000);
      }
      socket.destroy();
      return closedAt === null
        ? `body sent one byte per second: still open after ${limitMs / 1000} s`
        : `body sent one byte per second: closed by the server after ${((closedAt - started) / 1000).toFixed(1)} s`;
    }),
};

for (const name of scenarios) {
  const scenario = run[name];
  if (scenario === undefined) throw new Error(`unknown scenario ${name}; known: ${ALL.join(', ')}`);
  console.log(`${name}: ${await scenario()}`);
}
