// The `restmq` command line as an operator uses it: help, validation with exit code 2,
// the config sources and their precedence, and the original RestMQ flag forms.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SETTINGS, formatDefault } from '../../src/config.js';
import { queueName, tempDir } from '../support/server.js';
import { cleanEnv, freePort, runCli, spawnDaemon, waitHealthy } from './daemon.js';
import type { Daemon, SpawnOptions } from './daemon.js';

const dirs: string[] = [];
const daemons: Daemon[] = [];

function dir(): string {
  const d = tempDir('restmq-cli-');
  dirs.push(d);
  return d;
}

function configFile(content: string): string {
  const path = join(dir(), 'restmq.json');
  writeFileSync(path, content);
  return path;
}

after(async () => {
  await Promise.all(daemons.map((d) => d.kill()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Spawns `restmq <args>` expected to serve on `port`, and waits until it does. */
async function serveOn(port: number, args: readonly string[], options: SpawnOptions = {}): Promise<Daemon> {
  const daemon = spawnDaemon(args, `http://127.0.0.1:${port}`, options);
  daemons.push(daemon);
  await waitHealthy(daemon);
  return daemon;
}

/** The largest value the daemon accepts, probed at `limit` and `limit + 1` bytes. */
async function assertMaxBytes(url: string, limit: number): Promise<void> {
  const queue = queueName('max');
  const post = (value: string) =>
    fetch(`${url}/q/${queue}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: value });
  const ok = await post('x'.repeat(limit));
  assert.equal(ok.status, 200, await ok.text());
  const tooBig = await post('x'.repeat(limit + 1));
  assert.equal(tooBig.status, 413);
  assert.equal(((await tooBig.json()) as { error: { code: string } }).error.code, 'message_too_large');
}

describe('restmq serve --help', () => {
  it('lists every setting with its flag, environment variable and default, and exits 0', () => {
    const { status, stdout } = runCli(['serve', '--help']);
    assert.equal(status, 0);
    for (const s of SETTINGS) {
      const line = stdout.split('\n').find((l) => l.trimStart().startsWith(`--${s.flag} `));
      assert.ok(line, `--${s.flag} is listed`);
      assert.ok(line.includes(s.env), `${s.env} is named on the --${s.flag} line`);
      assert.ok(line.includes(`[default: ${formatDefault(s.defaultValue)}]`), `the default of --${s.flag} is shown`);
    }
    assert.match(stdout, /--config <file>/);
    assert.equal(runCli(['serve', '-h']).stdout, stdout);
  });

  it('restmq --version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { status, stdout } = runCli(['--version']);
    assert.equal(status, 0);
    assert.equal(stdout, `${pkg.version}\n`);
  });

  it('restmq --help shows the commands', () => {
    const { status, stdout } = runCli(['--help']);
    assert.equal(status, 0);
    assert.match(stdout, /serve/);
  });
});

describe('bad settings exit 2 naming the setting', () => {
  const cases: Array<{ name: string; args: string[]; env?: Record<string, string>; names: RegExp }> = [
    { name: '--port abc', args: ['serve', '--port', 'abc'], names: /--port must be a whole number from 0 to 65535/ },
    { name: '--port 65536', args: ['serve', '--port', '65536'], names: /--port must be/ },
    { name: '--port=-1', args: ['serve', '--port=-1'], names: /--port must be/ },
    { name: '--sync bogus', args: ['serve', '--sync', 'bogus'], names: /--sync must be one of full, normal/ },
    { name: '--log-level loud', args: ['--log-level', 'loud'], names: /--log-level must be one of/ },
    { name: '--listen ""', args: ['serve', '--listen='], names: /--listen must be a non-empty string/ },
    { name: 'RESTMQ_MAX_MESSAGE_BYTES=0', args: ['serve'], env: { RESTMQ_MAX_MESSAGE_BYTES: '0' }, names: /RESTMQ_MAX_MESSAGE_BYTES must be a whole number from 1/ },
    { name: 'RESTMQ_SHUTDOWN_TIMEOUT_MS=soon', args: ['serve'], env: { RESTMQ_SHUTDOWN_TIMEOUT_MS: 'soon' }, names: /RESTMQ_SHUTDOWN_TIMEOUT_MS must be/ },
    { name: 'an unknown flag', args: ['serve', '--prot', '1'], names: /unknown flag --prot/ },
    { name: 'a flag without its value', args: ['serve', '--port'], names: /--port needs a value/ },
    { name: 'an unknown command', args: ['sever'], names: /unknown command "sever"/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { status, stderr } = runCli(c.args, cleanEnv(c.env));
      assert.equal(status, 2, stderr);
      assert.match(stderr, c.names);
      assert.match(stderr, /^restmq: /);
    });
  }

  it('a config file that is not JSON, not an object, unreadable, or holds a bad or unknown setting', () => {
    const notJson = configFile('{"port": 1');
    const broken = runCli(['serve', '--config', notJson]);
    assert.equal(broken.status, 2);
    assert.ok(broken.stderr.includes(`config file ${notJson} is not valid JSON`), broken.stderr);

    const array = configFile('[1, 2]');
    assert.match(runCli(['serve', '--config', array]).stderr, /must hold a JSON object/);

    const missing = join(dir(), 'absent.json');
    const gone = runCli(['serve', '--config', missing]);
    assert.equal(gone.status, 2);
    assert.match(gone.stderr, /cannot be read/);

    const badValue = configFile('{"sync": "sometimes"}');
    const bad = runCli(['serve', '--config', badValue]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /"sync" in .*restmq\.json must be one of full, normal/);

    const unknown = configFile('{"prot": 8080}');
    const unk = runCli(['serve'], cleanEnv({ RESTMQ_CONFIG: unknown }));
    assert.equal(unk.status, 2);
    assert.match(unk.stderr, /unknown setting "prot"/);
  });
});

describe('config sources and precedence: defaults < file < env < flags', () => {
  it('defaults: data under ./data of the working directory', async () => {
    const cwd = dir();
    const port = await freePort();
    const daemon = await serveOn(port, ['serve', '--port', String(port)], { cwd });
    assert.ok(existsSync(join(cwd, 'data', 'restmq.db')), 'the store lives in ./data');
    await assertMaxBytes(daemon.url, 1_048_576);
    await daemon.kill();
  });

  it('a JSON config file sets port, data dir and limits', async () => {
    const port = await freePort();
    const dataDir = join(dir(), 'store');
    const file = configFile(JSON.stringify({ port, listen: '127.0.0.1', 'data-dir': dataDir, 'max-message-bytes': 10, 'log-level': 'warn' }));
    const daemon = await serveOn(port, ['serve', '--config', file]);
    assert.ok(existsSync(join(dataDir, 'restmq.db')));
    await assertMaxBytes(daemon.url, 10);
    await daemon.kill();
  });

  it('the environment beats the file, RESTMQ_CONFIG names the file', async () => {
    const [filePort, envPort] = [await freePort(), await freePort()];
    const file = configFile(JSON.stringify({ port: filePort, 'data-dir': join(dir(), 'd'), 'max-message-bytes': 10 }));
    const env = cleanEnv({ RESTMQ_CONFIG: file, RESTMQ_PORT: String(envPort), RESTMQ_MAX_MESSAGE_BYTES: '20', RESTMQ_LOG_LEVEL: 'warn' });
    const daemon = await serveOn(envPort, ['serve'], { env });
    await assertMaxBytes(daemon.url, 20);
    await daemon.kill();
  });

  it('flags beat the environment and the file', async () => {
    const [filePort, envPort, flagPort] = [await freePort(), await freePort(), await freePort()];
    const file = configFile(JSON.stringify({ port: filePort, 'data-dir': join(dir(), 'd'), 'max-message-bytes': 10 }));
    const env = cleanEnv({ RESTMQ_PORT: String(envPort), RESTMQ_MAX_MESSAGE_BYTES: '20', RESTMQ_LOG_LEVEL: 'warn' });
    const args = ['serve', '--config', file, '--port', String(flagPort), '--max-message-bytes', '30'];
    const daemon = await serveOn(flagPort, args, { env });
    await assertMaxBytes(daemon.url, 30);
    await daemon.kill();
  });
});

describe('the original RestMQ command line', () => {
  it('--port=N and --listen=ADDR work, and no subcommand means serve', async () => {
    const port = await freePort();
    const dataDir = dir();
    const daemon = await serveOn(port, [`--port=${port}`, '--listen=127.0.0.1', `--data-dir=${dataDir}`, '--log-level=warn']);
    const queue = queueName('orig');
    const res = await fetch(`${daemon.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ queue, value: 'foobar' }).toString(),
    });
    assert.equal(await res.text(), `${queue}:1\r\n`);
    await daemon.kill();
  });

  it('restmq --port N serves', async () => {
    const port = await freePort();
    const daemon = await serveOn(port, ['--port', String(port), '--data-dir', dir(), '--log-level', 'warn']);
    const res = await fetch(`${daemon.url}/healthz`);
    assert.deepEqual(await res.json(), { status: 'ok' });
    await daemon.kill();
  });
});
