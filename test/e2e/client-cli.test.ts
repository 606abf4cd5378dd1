// The client commands of `restmq` as a person or a script uses them: the real bin/restmq
// against a real daemon (both stores where the store matters), with exit codes, the error
// code on stderr, RESTMQ_URL/RESTMQ_TOKEN/RESTMQ_USER, confirmation on a terminal (through
// script(1), which gives the command a pty) and refusal without one, progress on a
// terminal and plain lines otherwise, and `tail` resuming across a daemon restart.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RestMQClient } from '../../src/client/index.js';
import { tokenSection, userSection } from '../access/helpers.js';
import { startTcpProxy } from '../faults/proxy.js';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { queueName, tempDir } from '../support/server.js';
import { BIN, ROOT, assertBuilt, cleanEnv, freePort, spawnDaemon, startDaemon, waitHealthy } from './daemon.js';
import type { Daemon } from './daemon.js';

/** The escape character that starts terminal control sequences. */
const ESC = '\u001b';

const dir = tempDir('restmq-client-cli-');
const daemons: Daemon[] = [];
let redis: RedisProcess | null = null;

after(async () => {
  await Promise.all(daemons.map((d) => d.kill()));
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `restmq <args>` with pipes (no terminal) and resolves when it exits. */
function restmq(args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  assertBuilt();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: options.env ?? cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin.end(options.input ?? '');
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `restmq <args>` on a pty through script(1); `answer(transcript)` may type into it. */
function onTerminal(args: readonly string[], env: NodeJS.ProcessEnv, answer?: (transcript: string, type: (text: string) => void) => void): Promise<{ code: number | null; transcript: string }> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfec', quoted, '/dev/null'], { cwd: ROOT, env: { ...env, COLUMNS: '100', LINES: '30' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let transcript = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      transcript += chunk;
      answer?.(transcript, (text) => child.stdin.write(text));
    });
    child.once('exit', (code) => resolve({ code, transcript }));
  });
}

/** Polls `check` until true or the deadline. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('restmq client commands against a SQLite daemon', () => {
  let daemon: Daemon;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    daemon = await startDaemon(['--data-dir', join(dir, 'sqlite')]);
    daemons.push(daemon);
    env = cleanEnv({ RESTMQ_URL: daemon.url });
  });

  it('send VALUE prints the key; recv pops it; an empty queue prints nothing and exits 0', async () => {
    const q = queueName('send');
    const sent = await restmq(['send', q, 'hello world'], { env });
    assert.deepEqual([sent.code, sent.stdout, sent.stderr], [0, `${q}:1\n`, '']);
    const got = await restmq(['recv', q], { env });
    assert.deepEqual([got.code, got.stdout], [0, 'hello world\n']);
    const empty = await restmq(['recv', q], { env });
    assert.deepEqual([empty.code, empty.stdout, empty.stderr], [0, '', '']);
  });

  it('send from stdin batches the lines, with no bar when stderr is no terminal', async () => {
    const q = queueName('batch');
    const lines = Array.from({ length: 250 }, (_, i) => `line ${i + 1}`);
    const sent = await restmq(['send', q, '--batch', '100'], { env, input: `${lines.join('\n')}\n\n` });
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(sent.stdout, `sent 250 messages to ${q} (${q}:1 .. ${q}:250)\n`);
    assert.equal(sent.stderr, '', 'quick work prints no progress line, and never a bar, on a pipe');
    const got = await restmq(['recv', q, '-n', '300', '--json'], { env });
    const messages = got.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; value: string });
    assert.deepEqual(messages.map((m) => m.value), lines);
    assert.equal(messages[0]?.key, `${q}:1`);
  });

  it('send --group puts a VALUE and every line in the message group; recv --json shows it', async () => {
    const q = queueName('group');
    assert.equal((await restmq(['send', q, 'first', '--group', 'g-1'], { env })).code, 0);
    const sent = await restmq(['send', q, '--group', 'g-1'], { env, input: 'second\nthird\n' });
    assert.equal(sent.code, 0, sent.stderr);
    const got = await restmq(['recv', q, '-n', '10', '--json'], { env });
    const messages = got.stdout.trim().split('\n').map((l) => JSON.parse(l) as { value: string; group?: string });
    assert.deepEqual(messages.map((m) => [m.value, m.group]), [['first', 'g-1'], ['second', 'g-1'], ['third', 'g-1']]);
  });

  it('recv --lease prints the receipt with --json; recv --ack removes what it printed; --wait long-polls', async () => {
    const q = queueName('lease');
    const client = new RestMQClient({ url: daemon.url });
    await client.publishBatch(q, ['a', 'b', 'c']);
    const leased = await restmq(['recv', q, '--lease', '30', '--json'], { env });
    assert.equal(leased.code, 0, leased.stderr);
    const one = JSON.parse(leased.stdout) as { key: string; value: string; receipt: string; attempts: number };
    assert.deepEqual([one.key, one.value, one.attempts], [`${q}:1`, 'a', 1]);
    await client.ack(q, one.key, one.receipt); // the receipt printed is the lease's
    const acked = await restmq(['recv', q, '--ack', '-n', '5'], { env });
    assert.deepEqual([acked.code, acked.stdout], [0, 'b\nc\n']);
    assert.deepEqual(await client.peek(q, 10), [], 'acked messages are gone');
    setTimeout(() => void client.publish(q, 'late'), 300);
    const waited = await restmq(['recv', q, '--wait', '5'], { env });
    assert.deepEqual([waited.code, waited.stdout], [0, 'late\n']);
  });

  it('stats prints a table (and JSON with --json); config reads and changes settings; redrive moves dead letters back', async () => {
    const q = queueName('stats');
    const client = new RestMQClient({ url: daemon.url });
    await client.publishBatch(q, ['x', 'y']);
    const table = await restmq(['stats', q], { env });
    assert.equal(table.code, 0, table.stderr);
    const [head, row] = table.stdout.trimEnd().split('\n');
    assert.match(head ?? '', /^QUEUE\s+LEN\s+.*PUBLISHED\s+OLDEST\s+POLICY\s+STATUS$/);
    assert.match(row ?? '', new RegExp(`^${q}\\s+2\\s+.*2\\s+\\S+\\s+broadcast\\s+started$`));
    const all = await restmq(['stats'], { env });
    assert.ok(all.stdout.split('\n').some((l) => l.startsWith(`${q} `)));
    const json = await restmq(['stats', q, '--json'], { env });
    assert.equal((JSON.parse(json.stdout) as { len: number }).len, 2);

    const changed = await restmq(['config', q, 'max_attempts=1', 'ttl=3600', 'policy=roundrobin'], { env });
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /^max_attempts = 1$/m);
    assert.match(changed.stdout, /^ttl = 3600$/m);
    const read = await restmq(['config', q, '--json'], { env });
    assert.equal((JSON.parse(read.stdout) as { policy: string }).policy, 'roundrobin');
    const cleared = await restmq(['config', q, 'ttl=null'], { env });
    assert.match(cleared.stdout, /^ttl = null$/m);

    const [lease] = await client.lease(q, { seconds: 30 });
    assert.ok(lease);
    await lease.release(); // max_attempts 1: the release dead-letters it
    const redriven = await restmq(['redrive', `${q}.dlq`], { env });
    assert.deepEqual([redriven.code, redriven.stdout], [0, `moved 1 dead letters from ${q}.dlq back to their queues\n`]);
    assert.deepEqual((await client.peek(q, 10)).map((m) => m.value), ['y', 'x']);
  });

  it('takes each option at its limit', async () => {
    const q = queueName('limits');
    const sent = await restmq(['send', q, '--batch', '1000'], { env, input: 'a\nb\n' });
    assert.equal(sent.code, 0, sent.stderr);
    const got = await restmq(['recv', q, '-n', '10000', '--wait', '20', '--lease', '43200', '--json'], { env });
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.trim().split('\n').length, 2);
    const top = await restmq(['top', '--interval', '3600', '--count', '1'], { env });
    assert.equal(top.code, 0, top.stderr);
  });

  it('a refusal exits 1 with its catalog code on stderr; bad usage exits 2', async () => {
    const q = queueName('bad');
    const tooLong = await restmq(['config', q, 'lease=0'], { env });
    assert.equal(tooLong.code, 1);
    assert.match(tooLong.stderr, /^restmq: invalid_config: /);
    const badName = await restmq(['send', 'no spaces', 'x'], { env });
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /^restmq: invalid_queue_name: /);
    const unreachable = await restmq(['stats', '--url', `http://127.0.0.1:${await freePort()}`], { env });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^restmq: network: cannot reach /);
    const usage = [
      ['recv'],
      ['recv', q, '--bogus'],
      ['recv', q, '-n', '0'],
      ['recv', q, '-n', '10001'],
      ['recv', q, '--wait', '21'],
      ['recv', q, '--lease', '43201'],
      ['send', q, '--batch', '1001'],
      ['send', q, '--batch', '0'],
      ['send', q, '--file', join(dir, 'no-such-file')],
      ['top', '--interval', '0'],
      ['config', q, 'colour=red'],
      ['config', q, 'lease=soon'],
      ['send', q, 'x', '--url', 'ftp://x'],
      ['send', q, 'x', '--user', 'no-colon'],
    ];
    for (const args of usage) {
      const run = await restmq(args, { env });
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^restmq: /);
    }
  });

  it('purge and drop refuse without --yes when there is no terminal, and delete with it', async () => {
    const q = queueName('purge');
    const client = new RestMQClient({ url: daemon.url });
    await client.publishBatch(q, ['1', '2', '3']);
    const refused = await restmq(['purge', q], { env });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /purge deletes every message of .*; pass --yes to confirm \(no terminal to ask on\)/);
    assert.equal((await client.peek(q, 10)).length, 3, 'nothing deleted');
    const purged = await restmq(['purge', q, '--yes'], { env });
    assert.deepEqual([purged.code, purged.stdout], [0, `purged 3 messages from ${q}\n`]);
    await client.publish(q, 'again');
    assert.equal((await restmq(['drop', q], { env })).code, 2);
    const dropped = await restmq(['drop', q, '-y'], { env });
    assert.deepEqual([dropped.code, dropped.stdout], [0, `dropped ${q} (1 messages)\n`]);
  });

  it('on a terminal purge asks first: n keeps the messages (exit 3), y deletes them', { timeout: 30_000 }, async () => {
    const q = queueName('ask');
    const client = new RestMQClient({ url: daemon.url });
    await client.publishBatch(q, ['1', '2']);
    let typed = false;
    const no = await onTerminal(['purge', q], env, (t, type) => {
      if (!typed && t.includes('[y/N] ')) {
        typed = true;
        type('n\r');
      }
    });
    assert.equal(no.code, 3, no.transcript);
    assert.match(no.transcript, new RegExp(`Delete every message of ${q}\\? \\[y/N\\]`));
    assert.match(no.transcript, /nothing deleted/);
    assert.equal((await client.peek(q, 10)).length, 2);
    typed = false;
    const yes = await onTerminal(['purge', q], env, (t, type) => {
      if (!typed && t.includes('[y/N] ')) {
        typed = true;
        type('y\r');
      }
    });
    assert.equal(yes.code, 0, yes.transcript);
    assert.match(yes.transcript, new RegExp(`purged 2 messages from ${q}`));
  });

  it('on a terminal send --file draws a progress bar in place', { timeout: 30_000 }, async () => {
    const q = queueName('bar');
    const file = join(dir, 'lines.txt');
    writeFileSync(file, Array.from({ length: 1500 }, (_, i) => `m${i}`).join('\n'));
    const run = await onTerminal(['send', q, '--file', file], env);
    assert.equal(run.code, 0, run.transcript);
    assert.ok(run.transcript.includes(`\r${ESC}[2K[`), 'the bar is redrawn in place');
    assert.match(run.transcript, /\[#+\] 100% 1500\/1500 messages sent to /);
    assert.match(run.transcript, new RegExp(`sent 1500 messages to ${q} \\(${q}:1 \\.\\. ${q}:1500\\)`));
    const stats = await new RestMQClient({ url: daemon.url }).stats(q);
    assert.equal(stats['len'], 1500);
  });

  it('top refreshes in place on a terminal and quits on q; without one it prints a table per refresh', { timeout: 30_000 }, async () => {
    const q = queueName('top');
    await new RestMQClient({ url: daemon.url }).publishBatch(q, ['1', '2', '3']);
    let typed = false;
    const live = await onTerminal(['top', '--interval', '1'], env, (t, type) => {
      if (!typed && t.includes(q)) {
        typed = true;
        type('q');
      }
    });
    assert.equal(live.code, 0, live.transcript);
    assert.ok(live.transcript.includes('\x1b[?1049h'), 'the alternate screen');
    assert.ok(live.transcript.includes('\x1b[?1049l'), 'and back to the normal one');
    assert.match(live.transcript, new RegExp(`${q}\\s+3\\s`));
    const piped = await restmq(['top', '--interval', '1', '--count', '2'], { env });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout.match(/^restmq top /gm)?.length, 2);
    assert.ok(!piped.stdout.includes(ESC), 'no terminal control on a pipe');
    assert.match(piped.stdout, /QUEUE\s+LEN\s+IN\/S/);
  });

  it('--help of each command is printed with exit 0, and restmq --help lists them', async () => {
    const top = await restmq(['--help']);
    for (const name of ['send', 'recv', 'tail', 'stats', 'top', 'purge', 'drop', 'config', 'redrive']) {
      assert.match(top.stdout, new RegExp(`^  ${name} `, 'm'));
      const help = await restmq([name, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, new RegExp(`^Usage: restmq ${name} `));
      assert.match(help.stdout, /RESTMQ_URL/);
    }
  });
});

/** The console block of the README's "Command-line client" section, as commands and their output. */
function readmeSteps(): Array<{ command: string; output: string }> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Command-line client'));
  const block = /```console\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const steps: Array<{ command: string; output: string }> = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), output: '' });
    else if (line !== '' && steps.length > 0) (steps[steps.length - 1] as { output: string }).output += `${line}\n`;
  }
  return steps;
}

/** What may differ between runs: ages, receipts, times. */
function normalise(text: string): string {
  return text
    .replace(/\b\d+(ms|s)\b/g, '<age>')
    .replace(/"receipt":"[^"]+"/g, '"receipt":"<receipt>"')
    .replace(/"lease_expires_at":"[^"]+"/g, '"lease_expires_at":"<time>"')
    .replace(/ +/g, ' ');
}

describe("the README's command-line client example", () => {
  it('runs every command against a fresh daemon and prints what the README shows', { timeout: 60_000 }, async () => {
    const steps = readmeSteps();
    assert.ok(steps.length >= 8, `only ${steps.length} commands found`);
    const daemon = await startDaemon(['--data-dir', join(dir, 'readme')]);
    daemons.push(daemon);
    // `restmq` on the PATH is this checkout's bin/restmq.
    const bin = join(dir, 'path');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'restmq'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
    chmodSync(join(bin, 'restmq'), 0o755);
    const env = cleanEnv({ RESTMQ_URL: daemon.url, PATH: `${bin}:${process.env.PATH ?? ''}` });
    for (const step of steps) {
      const run = await new Promise<string>((resolve) => {
        const child = spawn('sh', ['-c', `${step.command} 2>&1`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
        child.once('exit', () => resolve(out));
      });
      assert.equal(normalise(run), normalise(step.output), step.command);
    }
  });
});

describe('restmq client commands: credentials from flags and RESTMQ_TOKEN / RESTMQ_USER', () => {
  it('a token or NAME:PASSWORD from the environment or the flags is sent; none is refused with unauthorized', { timeout: 30_000 }, async () => {
    const token = 'cli-token-0123456789abcdef';
    const acl = join(dir, 'acl.conf');
    writeFileSync(acl, `${tokenSection('cli', token, 'cli-*', 'produce,consume,admin')}\n${await userSection('ann', 'pw-ann', 'cli-*', 'produce,consume')}`);
    const daemon = await startDaemon(['--data-dir', join(dir, 'acl'), '--acl', acl]);
    daemons.push(daemon);
    const q = `cli-${queueName('auth')}`;
    const none = await restmq(['send', q, 'x'], { env: cleanEnv({ RESTMQ_URL: daemon.url }) });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^restmq: unauthorized: /);
    const byEnv = await restmq(['send', q, 'x'], { env: cleanEnv({ RESTMQ_URL: daemon.url, RESTMQ_TOKEN: token }) });
    assert.deepEqual([byEnv.code, byEnv.stdout], [0, `${q}:1\n`]);
    const byFlag = await restmq(['send', q, 'y', '--url', daemon.url, '--token', token]);
    assert.equal(byFlag.code, 0, byFlag.stderr);
    const user = await restmq(['recv', q, '-n', '2'], { env: cleanEnv({ RESTMQ_URL: daemon.url, RESTMQ_USER: 'ann:pw-ann' }) });
    assert.deepEqual([user.code, user.stdout], [0, 'x\ny\n']);
    const wrong = await restmq(['stats', q, '--user', 'ann:nope'], { env: cleanEnv({ RESTMQ_URL: daemon.url }) });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^restmq: unauthorized: /);
    const forbidden = await restmq(['purge', q, '--yes', '--user', 'ann:pw-ann'], { env: cleanEnv({ RESTMQ_URL: daemon.url }) });
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /^restmq: forbidden: /);
  });
});

for (const store of ['sqlite', 'redis'] as const) {
  describe(`restmq tail across a daemon restart (${store})`, () => {
    it('reconnects and resumes from the history: every message once, in order, until Ctrl-C', { timeout: 60_000 }, async () => {
      const port = await freePort();
      let storeArgs: string[];
      if (store === 'redis') {
        redis ??= await startRedis();
        storeArgs = ['--redis', redis.url, '--redis-prefix', `tail-${port}:`];
      } else storeArgs = ['--data-dir', join(dir, `tail-${port}`)];
      const serve = async (): Promise<Daemon> => {
        const d = spawnDaemon(['serve', '--port', String(port), '--listen', '127.0.0.1', '--log-level', 'warn', ...storeArgs], `http://127.0.0.1:${port}`);
        daemons.push(d);
        await waitHealthy(d);
        return d;
      };
      let daemon = await serve();
      // The tail goes through a proxy the test can cut, so it decides when the tail may reconnect.
      const proxy = await startTcpProxy(() => port);
      const q = queueName('tail');
      const publisher = new RestMQClient({ url: daemon.url });
      const child = spawn(process.execPath, [BIN, 'tail', q, '--url', `http://127.0.0.1:${proxy.port}`], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      let other: { close(): void } | null = null;
      try {
        // Published until the tail shows one: it is connected once the first arrives.
        await until('the tail to connect', async () => {
          if (out.includes('warm-up')) return true;
          if ((await publisher.stats(q))['len'] === 0) await publisher.publish(q, `warm-up ${Date.now()}`);
          return false;
        });
        await publisher.publish(q, 'm1');
        await until('m1', () => out.includes('m1\n'));
        proxy.cut();
        await until('the tail to see the break', () => err.includes('reconnecting'));
        daemon.child.kill('SIGTERM');
        await daemon.exited;
        daemon = await serve();
        // Another consumer takes m2 and m3 first, so only a resume from the history brings them.
        const others: string[] = [];
        let otherOpen = false;
        other = publisher.subscribe(q, { onMessage: (m) => others.push(m.value), onOpen: () => (otherOpen = true) });
        await until('the other consumer', () => otherOpen);
        await publisher.publish(q, 'm2');
        await publisher.publish(q, 'm3');
        await until('the other consumer to take m2 and m3', () => others.includes('m3'));
        assert.equal((await publisher.stats(q))['len'], 0, 'the queue holds nothing now');
        proxy.restore();
        await until('m2 and m3 from the history', () => out.includes('m3\n'), 20_000);
        await publisher.publish(q, 'm4');
        await until('m4', () => out.includes('m4\n'));
        const lines = out.trimEnd().split('\n');
        assert.deepEqual(lines.slice(lines.indexOf('m1')), ['m1', 'm2', 'm3', 'm4'], 'each once, in order');
        assert.match(err, /restmq: tail: connected again, resuming after /);
        child.kill('SIGINT');
        assert.equal(await exited, 0, err);
      } finally {
        other?.close();
        child.kill('SIGKILL');
        await proxy.close();
        daemon.child.kill('SIGTERM');
        await daemon.exited;
      }
    });
  });
}
