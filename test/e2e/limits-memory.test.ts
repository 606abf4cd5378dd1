// Bounded memory per client, measured on the real daemon in a child process (its RSS alone):
// one peek of many 1 MB messages, 300 pipelined GETs of a 1 MB message from a peer that
// never reads, and 300 WebSocket `get` frames from a peer that never reads must each grow
// the daemon's peak RSS by less than GROWTH_BOUND. Before these limits the same loads grew
// it by 452-629 MB, 600-629 MB and 309-331 MB (docs/limits.md has the figures).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Socket, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { readMemory } from '../support/cli-server.js';
import { tempDir } from '../support/server.js';
import { startDaemon } from './daemon.js';
import type { Daemon } from './daemon.js';

const MB = 1024 * 1024;
/** The stated bound on peak RSS growth per scenario. */
const GROWTH_BOUND = 64 * MB;
const MESSAGES = 50;
const FLOOD = 300;

/** Resolves once the server closed `socket`, found by writing `probe` every 100 ms (a peer that never reads sees no FIN). */
function serverClosed(socket: Socket, probe: () => void, timeoutMs: number): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`the server did not cut the peer within ${timeoutMs} ms`));
      } else if (!socket.destroyed) probe();
    }, 100);
    socket.once('close', () => {
      clearInterval(timer);
      resolve();
    });
  });
}

describe('bounded memory per client (daemon in a child process)', () => {
  let daemon: Daemon;
  let dataDir: string;
  let port: number;
  let key: string;
  const pid = (): number => daemon.child.pid ?? 0;
  const growth = (rssBefore: number): number => readMemory(pid()).peakRss - rssBefore;

  before(async () => {
    dataDir = tempDir('restmq-limits-');
    daemon = await startDaemon(['--data-dir', dataDir, '--sync', 'normal', '--send-stall-timeout-ms', '1000']);
    port = Number(new URL(daemon.url).port);
    const value = 'm'.repeat(MB);
    for (let i = 0; i < MESSAGES; i++) {
      const res = await fetch(`${daemon.url}/q/big`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: value });
      assert.equal(res.status, 200);
      const text = (await res.text()).trim();
      if (i === 0) key = text;
    }
  });
  after(async () => {
    await daemon.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`one peek=${MESSAGES} of 1 MB messages grows RSS by less than ${GROWTH_BOUND / MB} MB and says it was cut`, { timeout: 20_000 }, async () => {
    const rss = readMemory(pid()).rss;
    const res = await fetch(`${daemon.url}/q/big?peek=${MESSAGES}`);
    const answered = ((await res.json()) as unknown[]).length;
    const grew = growth(rss);
    assert.equal(res.headers.get('restmq-truncated'), 'max-answer-bytes');
    assert.equal(answered, 4, 'the default 4 MB answer holds four 1 MB values');
    assert.ok(grew < GROWTH_BOUND, `peak RSS grew ${Math.round(grew / MB)} MB`);
  });

  it(`${FLOOD} pipelined GETs of a 1 MB message from a peer that never reads grow RSS by less than ${GROWTH_BOUND / MB} MB`, { timeout: 20_000 }, async () => {
    const rss = readMemory(pid()).rss;
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause(); // never reads
    socket.write(`GET /q/big/${key} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`.repeat(FLOOD));
    await serverClosed(socket, () => socket.write('G'), 15_000);
    const grew = growth(rss);
    assert.ok(grew < GROWTH_BOUND, `peak RSS grew ${Math.round(grew / MB)} MB`);
  });

  it(`${FLOOD} WebSocket get frames of a 1 MB message from a peer that never reads grow RSS by less than ${GROWTH_BOUND / MB} MB`, { timeout: 20_000 }, async () => {
    const rss = readMemory(pid()).rss;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/idle-commands`);
    ws.on('error', () => undefined);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const underlying: unknown = Reflect.get(ws, '_socket');
    assert.ok(underlying instanceof Socket);
    underlying.pause(); // never reads
    for (let i = 0; i < FLOOD; i++) ws.send(JSON.stringify({ cmd: 'get', queue: 'big' }));
    await serverClosed(underlying, () => ws.ping(), 15_000);
    const grew = growth(rss);
    assert.ok(grew < GROWTH_BOUND, `peak RSS grew ${Math.round(grew / MB)} MB`);
  });
});
