// The total connection cap never exceeds what the process can open: the real daemon, started
// under `ulimit -n 320`, lowers --max-connections (default 16384) to 320 - RESERVED_FILES =
// 64, admits exactly 64 connections and answers the 65th 503 too_many_connections, instead
// of running out of file descriptors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { RESERVED_FILES } from '../../src/http/guards/connections.js';
import { rawConnect, responses } from '../support/raw-socket.js';
import type { RawClient } from '../support/raw-socket.js';
import { tempDir } from '../support/server.js';
import { BIN, ROOT, assertBuilt, cleanEnv, freePort } from './daemon.js';
import type { Daemon } from './daemon.js';

const FILES = 320;
const HEALTH = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

describe('connection cap under a low open-file limit', () => {
  let daemon: Daemon;
  let dataDir: string;
  let port: number;

  before(async () => {
    assertBuilt();
    dataDir = tempDir('restmq-fd-');
    port = await freePort();
    const command = `ulimit -n ${FILES} && exec "${process.execPath}" "${BIN}" serve --port ${port} --listen 127.0.0.1 --log-level warn --data-dir "${dataDir}"`;
    const child = spawn('bash', ['-c', command], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      err += chunk;
    });
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    daemon = {
      child,
      url: `http://127.0.0.1:${port}`,
      stderr: () => err,
      exited,
      async kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
    // Ready once a raw connection is answered (fetch would keep a pooled connection open).
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (daemon.child.exitCode !== null) throw new Error(`restmq exited: ${err}`);
      try {
        const probe = await rawConnect(port);
        probe.socket.write(HEALTH);
        await probe.waitFor((t) => responses(t).length === 1 || probe.closed(), 5000, 'an answer');
        probe.socket.destroy();
        if (responses(probe.received())[0]?.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`restmq did not serve: ${err}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  after(async () => {
    await daemon.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`admits ${FILES - RESERVED_FILES} connections and refuses the next with 503`, { timeout: 20_000 }, async () => {
    const cap = FILES - RESERVED_FILES;
    const open: RawClient[] = [];
    try {
      // The readiness probe is counted out asynchronously: a refusal before the cap is retried.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const client = await rawConnect(port);
        client.socket.write(HEALTH);
        await client.waitFor((t) => responses(t).length === 1 || client.closed(), 5000, 'an answer');
        const status = responses(client.received())[0]?.status;
        if (status !== 200) {
          assert.equal(status, 503);
          assert.match(responses(client.received())[0]?.body ?? '', /too_many_connections/);
          if (open.length === cap || Date.now() > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        open.push(client);
        assert.ok(open.length <= cap, `more than ${cap} connections admitted`);
      }
      assert.equal(open.length, cap);
    } finally {
      for (const c of open) c.socket.destroy();
    }
  });
});
