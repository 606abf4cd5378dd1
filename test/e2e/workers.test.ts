// `--workers N`: the real bin/restmq with two workers over one redis-server. Requests on the
// one port are answered by both workers; a message published through one worker reaches a
// long poll and streams on the other; a worker killed with SIGKILL is replaced while the port
// keeps answering; SIGTERM drains both and exits 0. SQLite refuses more than one worker.
// Which worker a connection reached is read from /healthz (worker pid) over a keep-alive
// connection that later requests reuse, or from a worker's consumers count.
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { launch, startDaemon } from '../support/daemon.js';
import type { Daemon } from '../support/daemon.js';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { queueName, tempDir } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { SseClient, untilAny } from '../stream/clients.js';
import { setPolicy, values } from '../stream/helpers.js';
import { cleanEnv } from './daemon.js';

interface Answer {
  readonly status: number;
  readonly text: string;
}

/** One request; `agent: false` opens a connection of its own (closed after the answer). */
function call(url: string, agent: Agent | false, method: 'GET' | 'POST' = 'GET', form?: Record<string, string>): Promise<Answer> {
  const body = form === undefined ? undefined : new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** The pid of the worker that answered /healthz. */
async function healthPid(url: string, agent: Agent | false): Promise<number> {
  const answer = await call(`${url}/healthz`, agent);
  assert.equal(answer.status, 200);
  const body = JSON.parse(answer.text) as { status: string; worker?: unknown; pid?: unknown };
  assert.equal(body.status, 'ok');
  assert.equal(typeof body.worker, 'number', 'a worker names its cluster id');
  assert.equal(typeof body.pid, 'number');
  return body.pid as number;
}

/** The "restmq workers serving" line of the primary. */
async function servingWorkers(daemon: Daemon): Promise<{ port: number; pids: number[] }> {
  const line = await daemon.untilLog(/"msg":"restmq workers serving"/, 30_000);
  const parsed = JSON.parse(line) as { port: number; pids: number[]; workers: number };
  assert.equal(parsed.workers, 2);
  return parsed;
}

describe('--workers 2 over one Redis', { timeout: 120_000 }, () => {
  let redis: RedisProcess;
  let daemon: Daemon;
  let pids: number[];
  const agents: Agent[] = [];

  before(async () => {
    redis = await startRedis();
    daemon = await startDaemon(['--redis', `${redis.url}/0`, '--workers', '2'], { env: cleanEnv(), startTimeoutMs: 30_000 });
    const serving = await servingWorkers(daemon);
    assert.equal(serving.port, daemon.port, 'every worker serves the one port');
    pids = serving.pids;
    assert.equal(new Set(pids).size, 2);
  });
  after(async () => {
    for (const agent of agents) agent.destroy();
    await daemon?.kill();
    await redis?.stop();
  });

  /** A keep-alive connection (one socket) that reached the worker `pid`. */
  async function pinned(pid: number): Promise<Agent> {
    for (let attempt = 0; attempt < 30; attempt++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      if ((await healthPid(daemon.url, agent)) === pid) {
        agents.push(agent);
        return agent;
      }
      agent.destroy();
    }
    throw new Error(`no connection reached worker ${pid}`);
  }

  /** Consumers of `queue` on the worker behind `agent`. */
  async function consumers(agent: Agent, queue: string): Promise<{ sse: number; long_poll: number }> {
    const answer = await call(`${daemon.url}/dashboard/api/queues/${queue}/consumers`, agent);
    assert.equal(answer.status, 200, answer.text);
    return JSON.parse(answer.text) as { sse: number; long_poll: number };
  }

  /** SSE consumers of `queue` opened until each worker has at least one; answers them by worker. */
  async function sseOnBoth(queue: string, onA: Agent, onB: Agent): Promise<{ a: SseClient[]; b: SseClient[] }> {
    const byWorker = { a: [] as SseClient[], b: [] as SseClient[] };
    for (let attempt = 0; attempt < 10; attempt++) {
      const stream = await SseClient.open(`${daemon.url}/sse/${queue}`);
      const before = byWorker.a.length;
      let onWorkerA = 0;
      await waitFor('the new stream to be counted', async () => {
        onWorkerA = (await consumers(onA, queue)).sse;
        return onWorkerA + (await consumers(onB, queue)).sse === byWorker.a.length + byWorker.b.length + 1;
      });
      (onWorkerA > before ? byWorker.a : byWorker.b).push(stream);
      if (byWorker.a.length > 0 && byWorker.b.length > 0) return byWorker;
    }
    throw new Error('the streams never reached both workers');
  }

  it('answers on one port from both workers, each naming its pid in /healthz', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20 && seen.size < 2; i++) seen.add(await healthPid(daemon.url, false));
    assert.deepEqual([...seen].sort(), [...pids].sort());
    const lines = daemon.output().split('\n').filter((l) => l.includes('"msg":"restmq serving"'));
    const workerIds = lines.map((l) => (JSON.parse(l) as { worker?: unknown }).worker);
    assert.equal(workerIds.length, 2, 'each worker logs that it serves');
    assert.ok(workerIds.every((id) => typeof id === 'number'), 'with its worker id');
  });

  it('wakes a long poll on one worker with a message published through the other', async () => {
    const [pidA, pidB] = pids as [number, number];
    const pollA = await pinned(pidA);
    const watchA = await pinned(pidA);
    const viaB = await pinned(pidB);
    const queue = queueName('wlp');
    const polled = call(`${daemon.url}/q/${queue}?wait=20`, pollA);
    await waitFor('the long poll to park on worker A', async () => (await consumers(watchA, queue)).long_poll === 1);
    const published = await call(`${daemon.url}/q/${queue}`, viaB, 'POST', { value: 'across' });
    assert.equal(published.status, 200);
    const answer = await polled;
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.text), { key: published.text.trim(), value: 'across', count: 0 });
  });

  it('broadcast: SSE consumers on both workers get every message, in order', async () => {
    const [pidA, pidB] = pids as [number, number];
    const onA = await pinned(pidA);
    const onB = await pinned(pidB);
    const queue = queueName('wbc');
    const streams = await sseOnBoth(queue, onA, onB);
    const all = [...streams.a, ...streams.b];
    const sent = values('b', 10);
    const keys: string[] = [];
    for (const [i, value] of sent.entries()) {
      const answer = await call(`${daemon.url}/q/${queue}`, i % 2 === 0 ? onA : onB, 'POST', { value });
      keys.push(answer.text.trim());
    }
    await untilAny(all, () => all.every((c) => c.messages.length >= sent.length), 'every message on every stream', 10_000);
    for (const c of all) assert.deepEqual(c.messages, keys.map((key, i) => ({ key, value: sent[i] })));
    for (const c of all) c.close();
  });

  it('roundrobin: each message reaches exactly one consumer across the workers', async () => {
    const [pidA, pidB] = pids as [number, number];
    const onA = await pinned(pidA);
    const onB = await pinned(pidB);
    const queue = queueName('wrr');
    await setPolicy(daemon.url, queue, 'roundrobin');
    const streams = await sseOnBoth(queue, onA, onB);
    const all = [...streams.a, ...streams.b];
    const keys: string[] = [];
    for (const [i, value] of values('r', 30).entries()) keys.push((await call(`${daemon.url}/q/${queue}`, i % 2 === 0 ? onA : onB, 'POST', { value })).text.trim());
    await untilAny(all, () => all.reduce((n, c) => n + c.messages.length, 0) >= keys.length, 'every message once', 10_000);
    const got = all.flatMap((c) => c.messages.map((m) => m.key));
    assert.equal(got.length, keys.length, 'no message twice');
    assert.deepEqual([...got].sort(), [...keys].sort());
    for (const c of all) c.close();
  });

  it('passes SIGHUP on to every worker as a reload', async () => {
    const reloads = (): number => daemon.output().split('\n').filter((l) => l.includes('"msg":"reloading"') && l.includes('"from":"primary"')).length;
    process.kill(daemon.pid, 'SIGHUP');
    await waitFor('both workers to reload', () => reloads() === 2, 10_000);
    assert.equal(await healthPid(daemon.url, false) > 0, true, 'still serving');
  });

  it('replaces a worker killed with SIGKILL while the port keeps answering', async () => {
    const [victim, survivor] = pids as [number, number];
    process.kill(victim, 'SIGKILL');
    await daemon.untilLog(new RegExp(`\\(pid ${victim}\\) died \\(signal SIGKILL\\): starting another`), 10_000);
    // The survivor answers every request meanwhile; the new worker joins it.
    let fresh: number | null = null;
    await waitFor('a new worker to answer', async () => {
      const pid = await healthPid(daemon.url, false);
      assert.notEqual(pid, victim, 'a dead worker answers nothing');
      if (pid !== survivor) fresh = pid;
      return fresh !== null;
    }, { timeoutMs: 20_000, retryErrors: false });
    pids = [survivor, fresh as unknown as number];
  });

  it('drains every worker on SIGTERM and exits 0', async () => {
    const [pidA] = pids as [number, number];
    const pollA = await pinned(pidA);
    const watchA = await pinned(pidA);
    const queue = queueName('wdrain');
    const polled = call(`${daemon.url}/q/${queue}?wait=20`, pollA);
    await waitFor('the long poll to park', async () => (await consumers(watchA, queue)).long_poll === 1);
    const started = Date.now();
    const code = await daemon.stop();
    assert.equal(code, 0, daemon.output());
    const answer = await polled; // answered by the drain, not cut and not held for 20 s
    assert.ok(answer.status === 204 || answer.status === 503, `the parked poll answered ${answer.status}`);
    assert.ok(Date.now() - started < 15_000);
    const stopped = daemon.output().split('\n').filter((l) => l.includes('"msg":"stopped"'));
    assert.equal(stopped.length, 2, 'both workers drained');
    assert.match(daemon.output(), /"msg":"workers stopped"/);
  });
});

describe('--workers refusals and start failures', { timeout: 60_000 }, () => {
  it('refuses --workers 2 on SQLite with exit 2, saying why and pointing to Redis', async () => {
    const dir = tempDir('restmq-workers-');
    try {
      const proc = launch(['serve', '--workers', '2', '--data-dir', dir, '--port', '0'], { env: cleanEnv() });
      const { code } = await proc.exited;
      assert.equal(code, 2, proc.output());
      assert.match(proc.stderr(), /^restmq: --workers 2 needs a store several processes can share, and the sqlite store is owned by one process/);
      assert.match(proc.stderr(), /serve from Redis \(--redis URL\) with --workers N/);
      assert.doesNotMatch(proc.output(), /restmq serving/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops the start, without restarting, when the workers cannot listen', async () => {
    const redis = await startRedis();
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const address = busy.address();
    assert.ok(address !== null && typeof address === 'object');
    try {
      const proc = launch(['serve', '--workers', '2', '--redis', `${redis.url}/0`, '--port', String(address.port), '--listen', '127.0.0.1'], { env: cleanEnv() });
      const { code } = await proc.exited;
      assert.equal(code, 1, proc.output());
      assert.match(proc.output(), /EADDRINUSE/);
      assert.match(proc.output(), /failed to start/);
      assert.doesNotMatch(proc.output(), /starting another/);
    } finally {
      busy.close();
      await redis.stop();
    }
  });
});
