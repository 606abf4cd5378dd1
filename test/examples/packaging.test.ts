// Packaging: the Dockerfile, docker-compose.yml and the systemd unit. There is no Docker
// engine here, so the images are not built; instead the Dockerfile is read and its runtime
// layout rebuilt in a temp folder (the files its COPY lines take, with this checkout's
// node_modules), started the way the image starts (its ENV, ENTRYPOINT and CMD), checked
// with its own HEALTHCHECK command, and run as docker-compose.yml runs it: two daemons
// over one Redis with the example ACL. The systemd unit goes through systemd-analyze.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, assertBuilt, cleanEnv, freePort } from '../e2e/daemon.js';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { queueName, tempDir } from '../support/server.js';

/** One Dockerfile instruction, with the stage it belongs to (0 = the first FROM). */
interface Instruction {
  stage: number;
  name: string;
  args: string;
}

/** Reads a Dockerfile: comments dropped, continuation lines joined. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    pending += pending === '' ? line : ` ${line}`;
    if (pending.endsWith('\\')) {
      pending = pending.slice(0, -1).trimEnd();
      continue;
    }
    const [name = '', ...rest] = pending.split(/\s+/);
    pending = '';
    if (name === '') continue;
    if (name.toUpperCase() === 'FROM') stage += 1;
    out.push({ stage, name: name.toUpperCase(), args: rest.join(' ') });
  }
  return out;
}

/** An exec-form argument (`["a", "b"]`) as a string array. */
function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  assert.ok(Array.isArray(parsed), `not exec form: ${args}`);
  const strings = parsed.filter((a): a is string => typeof a === 'string');
  assert.equal(strings.length, parsed.length, `not exec form: ${args}`);
  return strings;
}

/** `KEY=value KEY2=value2` of an ENV line. */
function envPairs(args: string): Record<string, string> {
  return Object.fromEntries(args.split(/\s+/).map((pair) => pair.split('=', 2) as [string, string]));
}

const DOCKERFILE = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = (): Instruction[] => DOCKERFILE.filter((i) => i.stage === 1);
const one = (stage: Instruction[], name: string): Instruction => {
  const found = stage.filter((i) => i.name === name);
  assert.equal(found.length, 1, `expected one ${name} in the runtime stage`);
  return found[0] as Instruction;
};

/** docker-compose.yml as data (python3 with PyYAML reads it; anchors and merges resolved). */
function composeFile(): { services: Record<string, { command?: string[]; ports?: string[]; volumes?: string[]; depends_on?: unknown; build?: unknown; image?: string; healthcheck?: unknown }> } {
  const read = spawnSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', join(ROOT, 'docker-compose.yml')], { encoding: 'utf8' });
  assert.equal(read.status, 0, `python3 with PyYAML is needed to read docker-compose.yml: ${read.stderr}`);
  return JSON.parse(read.stdout) as ReturnType<typeof composeFile>;
}

describe('Dockerfile', () => {
  it('builds in one stage and runs from a slim one, as the unprivileged node user, with /data and a health check', () => {
    const froms = DOCKERFILE.filter((i) => i.name === 'FROM');
    assert.equal(froms.length, 2);
    assert.match(froms[0]?.args ?? '', / AS build$/);
    const arg = DOCKERFILE.find((i) => i.name === 'ARG' && i.stage === -1);
    assert.equal(arg?.args, 'NODE_IMAGE=node:20-bookworm-slim');
    const build = DOCKERFILE.filter((i) => i.stage === 0);
    assert.ok(build.some((i) => i.name === 'RUN' && /npm ci\b.*&& npm prune --omit=dev/.test(i.args)), 'the build stage runs npm ci, then prunes');
    // The runtime stage installs nothing (no compiler, no apt) and runs as node.
    assert.deepEqual(runtime().filter((i) => i.name === 'RUN' && /apt-get|npm (ci|install)/.test(i.args)), []);
    assert.equal(one(runtime(), 'USER').args, 'node');
    assert.equal(one(runtime(), 'VOLUME').args, '/data');
    assert.equal(one(runtime(), 'EXPOSE').args, '8888');
    assert.match(one(runtime(), 'HEALTHCHECK').args, /\/healthz/);
    const env = envPairs(one(runtime(), 'ENV').args);
    assert.equal(env.RESTMQ_DATA_DIR, '/data');
    assert.equal(env.RESTMQ_LISTEN, '0.0.0.0');
  });

  it('copies only what .dockerignore lets into the build context, and all of it exists', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.equal(ignore[0], '*', 'the context starts empty');
    const allowed = ignore.slice(1).map((l) => l.replace(/^!/, '').replace(/\/$/, ''));
    const sources = DOCKERFILE.filter((i) => i.stage === 0 && i.name === 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    assert.ok(sources.length >= 5);
    for (const source of sources) {
      assert.ok(allowed.includes(source), `${source} is left out by .dockerignore`);
      assert.ok(existsSync(join(ROOT, source)), `${source} does not exist`);
    }
  });

  describe('the runtime layout, started as the image starts it', () => {
    let dir: string;
    let app: string;
    let redis: RedisProcess;
    const children: ChildProcess[] = [];

    before(async () => {
      assertBuilt();
      dir = tempDir('restmq-image-');
      app = join(dir, 'app');
      // The build stage's /app after `npm ci` (which builds dist/) is this checkout.
      for (const copy of runtime().filter((i) => i.name === 'COPY')) {
        const [from, source = '', target = ''] = copy.args.split(/\s+/);
        assert.equal(from, '--from=build');
        assert.ok(source.startsWith('/app/') && target !== '', copy.args);
        const relative = source.slice('/app/'.length);
        const destination = join(app, target === './' ? relative : target);
        mkdirSync(join(destination, '..'), { recursive: true });
        if (relative === 'node_modules') symlinkSync(join(ROOT, 'node_modules'), destination);
        else cpSync(join(ROOT, relative), destination, { recursive: true });
      }
      redis = await startRedis();
    });

    after(async () => {
      for (const child of children) child.kill('SIGKILL');
      await redis?.stop();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    /** Runs ENTRYPOINT + `args` in the layout with the image's ENV, on 127.0.0.1 and a temp data dir. */
    async function startImage(args: readonly string[]): Promise<{ url: string; port: number; child: ChildProcess }> {
      const port = await freePort();
      const entry = execForm(one(runtime(), 'ENTRYPOINT').args);
      const env = cleanEnv({ ...envPairs(one(runtime(), 'ENV').args), RESTMQ_LISTEN: '127.0.0.1', RESTMQ_PORT: String(port), RESTMQ_DATA_DIR: join(dir, `data-${port}`), RESTMQ_LOG_LEVEL: 'warn' });
      const [command = '', ...rest] = entry;
      const child = spawn(command === 'node' ? process.execPath : command, [...rest, ...args], { cwd: app, env, stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(child);
      let err = '';
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      const deadline = Date.now() + 20_000;
      while (healthcheck(port) !== 0) {
        if (child.exitCode !== null) throw new Error(`the image's command exited with ${child.exitCode}: ${err}`);
        if (Date.now() > deadline) throw new Error(`not healthy within 20 s: ${err}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return { url: `http://127.0.0.1:${port}`, port, child };
    }

    /** Runs the Dockerfile's HEALTHCHECK command against `port`; answers its exit status. */
    function healthcheck(port: number): number | null {
      const check = one(runtime(), 'HEALTHCHECK').args.replace(/^.*?CMD\s+/, '');
      const [command = '', ...args] = execForm(check);
      assert.equal(command, 'node');
      return spawnSync(process.execPath, args, { env: cleanEnv({ RESTMQ_PORT: String(port) }), timeout: 10_000 }).status;
    }

    it('serves on SQLite with CMD, and its health check passes, then fails once it stops', async () => {
      const server = await startImage(execForm(one(runtime(), 'CMD').args));
      assert.equal(healthcheck(server.port), 0);
      const ready = await fetch(`${server.url}/readyz`);
      assert.deepEqual(await ready.json(), { status: 'ready', store: 'sqlite' });
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.equal(healthcheck(server.port), 1);
    });

    it('runs as docker-compose.yml says: two daemons over one Redis, with the example ACL', async () => {
      const compose = composeFile();
      const daemons = ['restmq1', 'restmq2'].map((name) => compose.services[name]);
      const urls: string[] = [];
      for (const service of daemons) {
        const command = service?.command ?? [];
        assert.deepEqual(command.slice(0, 3), ['serve', '--redis', 'redis://redis:6379']);
        // The compose file mounts packaging/acl.conf where --acl points.
        const acl = command[command.indexOf('--acl') + 1] ?? '';
        const mount = (service?.volumes ?? []).find((v) => v.split(':')[1] === acl);
        assert.equal(mount, `./packaging/acl.conf:${acl}:ro`);
        const args = command.map((a) => (a === 'redis://redis:6379' ? redis.url : a === acl ? join(ROOT, 'packaging/acl.conf') : a));
        urls.push((await startImage(args)).url);
      }
      const [one1 = '', two = ''] = urls;
      const queue = queueName('compose');
      const anonymous = await fetch(`${one1}/q/${queue}`, { method: 'POST', body: new URLSearchParams({ value: 'x' }) });
      assert.equal(anonymous.status, 401);
      const producer = `Basic ${Buffer.from('producer:change-me').toString('base64')}`;
      const posted = await fetch(`${one1}/q/${queue}`, { method: 'POST', headers: { authorization: producer }, body: new URLSearchParams({ value: 'hello' }) });
      assert.equal(posted.status, 200);
      // Posted to one daemon, popped (by anyone: consumers need no password) from the other.
      const popped = await fetch(`${two}/q/${queue}`);
      assert.deepEqual(await popped.json(), { key: `${queue}:1`, value: 'hello', count: 0 });
      assert.equal((await fetch(`${two}/readyz`).then((r) => r.json()) as { store: unknown }).store, 'redis');
    });
  });
});

describe('docker-compose.yml', () => {
  it('passes docker-compose config (the Compose file schema; no engine needed)', () => {
    const config = spawnSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config', '--quiet'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(config.error, undefined, 'docker-compose is missing: apt-get install -y --no-install-recommends docker-compose (.ci/run does it)');
    assert.equal(config.status, 0, config.stderr);
  });

  it('runs Redis (healthy first) and two RestMQ daemons of this Dockerfile on loopback ports', () => {
    const { services } = composeFile();
    assert.deepEqual(Object.keys(services).sort(), ['redis', 'restmq1', 'restmq2']);
    assert.deepEqual(services.redis?.healthcheck, { test: ['CMD', 'redis-cli', 'ping'], interval: '5s', timeout: '3s', retries: 10 });
    assert.deepEqual(services.restmq1?.ports, ['127.0.0.1:8881:8888']);
    assert.deepEqual(services.restmq2?.ports, ['127.0.0.1:8882:8888']);
    for (const name of ['restmq1', 'restmq2']) {
      assert.equal(services[name]?.build, '.');
      assert.deepEqual(services[name]?.depends_on, { redis: { condition: 'service_healthy' } });
    }
  });
});

describe('packaging/restmq.service', () => {
  const UNIT = join(ROOT, 'packaging/restmq.service');

  it('passes systemd-analyze verify without a warning', () => {
    const verify = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(verify.error, undefined, 'systemd-analyze is missing: apt-get install -y systemd (.ci/run does it)');
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stderr, '');
  });

  it('is sandboxed: systemd-analyze security rates its exposure 1.5 or lower (of 10)', () => {
    const text = readFileSync(UNIT, 'utf8');
    for (const line of ['DynamicUser=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'NoNewPrivileges=yes', 'StateDirectory=restmq', 'SystemCallFilter=@system-service']) {
      assert.ok(text.split('\n').includes(line), `${line} is missing`);
    }
    const security = spawnSync('systemd-analyze', ['security', '--offline=yes', '--threshold=15', UNIT], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(security.status, 0, security.stdout);
    assert.match(security.stdout, /Overall exposure level for restmq\.service: (0\.\d|1\.[0-5])/);
  });
});
