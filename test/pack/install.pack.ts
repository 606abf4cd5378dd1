// `npm pack` makes a package that installs into an empty folder and serves from there:
// the restmq command, the SQLite store (better-sqlite3 builds at install), the Redis store
// (its Lua scripts ship under src/) and the library entry point.
// Slow (npm fetches the dependencies and compiles better-sqlite3): run by `npm run test:pack`,
// not by `npm test`. Needs the npm registry.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, cleanEnv, freePort } from '../e2e/daemon.js';
import { startRedis } from '../support/redis.js';
import { tempDir } from '../support/server.js';

/** `npm pack --json`'s answer, as far as this test reads it. */
interface PackInfo {
  filename: string;
  files: { path: string }[];
}

function npm(args: readonly string[], cwd: string, timeoutMs: number): string {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: cleanEnv() });
  assert.equal(result.status, 0, `npm ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function isPackInfo(value: unknown): value is PackInfo {
  return typeof value === 'object' && value !== null && 'filename' in value && typeof value.filename === 'string' && 'files' in value && Array.isArray(value.files);
}

/** Starts the installed `restmq serve` on a free port and waits for /healthz. */
async function serve(app: string, args: readonly string[]): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const port = await freePort();
  const child = spawn(join(app, 'node_modules/.bin/restmq'), ['serve', '--port', String(port), '--log-level', 'warn', ...args], {
    cwd: app,
    env: cleanEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`restmq exited with ${child.exitCode}: ${err}`);
    try {
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`restmq did not serve within 20 s: ${err}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, child, stderr: () => err };
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

/** Publishes one message and pops it back. */
async function roundTrip(url: string, queue: string): Promise<void> {
  const posted = await fetch(`${url}/q/${queue}`, { method: 'POST', body: new URLSearchParams({ value: 'from the packed install' }) });
  assert.equal(posted.status, 200);
  assert.equal(await posted.text(), `${queue}:1\r\n`);
  const popped = await fetch(`${url}/q/${queue}`);
  assert.equal(popped.status, 200);
  assert.deepEqual(await popped.json(), { key: `${queue}:1`, value: 'from the packed install', count: 0 });
}

describe('npm pack', () => {
  let dir: string;
  let app: string;
  let info: PackInfo;

  before(() => {
    dir = tempDir('restmq-pack-');
    // `npm pack` runs "prepare" (the build) first.
    const packed: unknown = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], ROOT, 300_000));
    assert.ok(Array.isArray(packed) && isPackInfo(packed[0]), 'npm pack --json answered something else');
    info = packed[0];
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'restmq-pack-check', private: true, type: 'module' }));
    npm(['install', '--omit=dev', '--no-audit', '--no-fund', join(dir, info.filename)], app, 1_200_000);
  });

  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('holds the command, the build, the Lua scripts and the docs, and no tests', () => {
    const paths = info.files.map((f) => f.path);
    for (const needed of ['bin/restmq', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'src/store/redis/lua/publish-15.lua', 'README.md', 'package.json', 'web/dashboard/index.html', 'web/dashboard/app.js']) {
      assert.ok(paths.includes(needed), `${needed} is not in the package`);
    }
    assert.deepEqual(paths.filter((p) => /^(test|bench|examples|node_modules|data)\//.test(p)), []);
  });

  it('installed from the tarball into an empty folder, restmq serves on SQLite', async () => {
    const help = spawnSync(join(app, 'node_modules/.bin/restmq'), ['serve', '--help'], { cwd: app, encoding: 'utf8', env: cleanEnv() });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /--data-dir/);
    const server = await serve(app, ['--data-dir', join(dir, 'data')]);
    try {
      await roundTrip(server.url, 'packed');
      const ready = await fetch(`${server.url}/readyz`);
      assert.deepEqual(await ready.json(), { status: 'ready', store: 'sqlite' });
      // The dashboard is served from the installed package: its page, its modules and the client library.
      for (const path of ['/dashboard', '/dashboard/assets/app.js', '/dashboard/client/index.js', '/dashboard/core/errors.js']) {
        const res = await fetch(`${server.url}${path}`);
        assert.equal(res.status, 200, `${path}: ${await res.text()}`);
      }
    } finally {
      assert.equal(await stop(server.child), 0, server.stderr());
    }
  });

  it('and on Redis (the Lua scripts load from the installed package)', async () => {
    const redis = await startRedis();
    try {
      const server = await serve(app, ['--redis', redis.url]);
      try {
        await roundTrip(server.url, 'packed-redis');
        const ready = await fetch(`${server.url}/readyz`);
        assert.deepEqual(await ready.json(), { status: 'ready', store: 'redis' });
      } finally {
        assert.equal(await stop(server.child), 0, server.stderr());
      }
    } finally {
      await redis.stop();
    }
  });

  it('exports the library entry point', () => {
    const probe = spawnSync(process.execPath, ['--input-type=module', '-e', "const m = await import('restmq'); console.log(typeof m.startServer, typeof m.loadConfig)"], {
      cwd: app,
      encoding: 'utf8',
    });
    assert.equal(probe.status, 0, probe.stderr);
    assert.equal(probe.stdout, 'function function\n');
  });

  it('exports the client library as restmq/client', () => {
    const script = "const m = await import('restmq/client'); const c = new m.RestMQClient({ url: 'http://127.0.0.1:1' }); console.log(typeof c.publish, new m.QueueFullError('queue_full', 429, 'x') instanceof m.RestMQError)";
    const probe = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
    assert.equal(probe.status, 0, probe.stderr);
    assert.equal(probe.stdout, 'function true\n');
  });
});
