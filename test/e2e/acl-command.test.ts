// `restmq acl`: the section it prints on stdout is in acl.conf's format (and a daemon takes
// it), the secret it shows once on stderr hashes to what the section holds, the password
// prompt does not echo, and bad input exits 2.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hashToken, isPasswordHash, verifyPassword } from '../../src/access/secrets.js';
import { aclCommand } from '../../src/cli/acl.js';
import { ConfigError } from '../../src/config.js';
import { tempDir } from '../support/server.js';
import { BIN, ROOT, assertBuilt, cleanEnv, startDaemon } from './daemon.js';

/** Runs `restmq <args>` with `input` on stdin (a pipe, not a terminal). */
function restmq(args: readonly string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  assertBuilt();
  const out = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(), input, encoding: 'utf8', timeout: 20_000 });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

/** stdout is exactly one `[kind:NAME]` section after a blank line; returns its lines. */
function sectionOf(stdout: string, kind: 'token' | 'user', name: string): string[] {
  assert.ok(stdout.startsWith(`\n[${kind}:${name}]\n`), `stdout is the [${kind}:${name}] section: ${JSON.stringify(stdout)}`);
  assert.ok(stdout.endsWith('\n'));
  const lines = stdout.slice(1, -1).split('\n');
  assert.equal(lines.length, 4, 'a header and three keys');
  return lines;
}

/** The secret shown once on stderr, between the "shown only this once" line and the stdout hint. */
function shownSecret(stderr: string): string {
  const m = /^New [^\n]* \(shown only this once; it cannot be shown again, so store it now\):\n\n([^\n]+)\n\nThe section for acl\.conf is on stdout \(append it with >> acl\.conf\)\.\n$/.exec(stderr);
  assert.ok(m?.[1], `a secret shown once in ${JSON.stringify(stderr)}`);
  return m[1];
}

describe('restmq acl add-token', () => {
  it('prints a new token once and a [token:NAME] section whose sha256 is the token\'s', () => {
    const { status, stdout, stderr } = restmq(['acl', 'add-token', 'worker-1', '--queues', 'jobs.* reports', '--allow', 'produce,consume']);
    assert.equal(status, 0, stderr);
    const token = shownSecret(stderr);
    assert.match(token, /^rmq_[A-Za-z0-9_-]{43}$/, '256 random bits, base64url, with the rmq_ prefix');
    const lines = sectionOf(stdout, 'token', 'worker-1');
    assert.deepEqual(lines, ['[token:worker-1]', `sha256 = ${hashToken(token)}`, 'queues = jobs.* reports', 'allow = produce, consume']);
    assert.match(lines[1] ?? '', /^sha256 = [0-9a-f]{64}$/);
    assert.ok(!stdout.includes(token), 'the token never goes where the section goes');
    assert.notEqual(shownSecret(restmq(['acl', 'add-token', 'worker-1', '--queues', 'x', '--allow', 'produce']).stderr), token, 'each run makes a new token');
  });

  it('takes patterns split by commas or spaces and rights in any order, and prints them canonically', () => {
    const { status, stdout } = restmq(['acl', 'add-token', 'ops@site.example', '--queues=a.?,b:*, a.?', '--allow', 'admin consume,admin']);
    assert.equal(status, 0);
    const lines = sectionOf(stdout, 'token', 'ops@site.example');
    assert.equal(lines[2], 'queues = a.? b:*');
    assert.equal(lines[3], 'allow = consume, admin');
  });

  it('hash-token prints the same sha256 for the printed token', () => {
    const made = restmq(['acl', 'add-token', 't', '--queues', '*', '--allow', 'consume']);
    const token = shownSecret(made.stderr);
    const hashed = restmq(['acl', 'hash-token'], `${token}\n`);
    assert.equal(hashed.status, 0, hashed.stderr);
    assert.equal(hashed.stdout, `${hashToken(token)}\n`);
    assert.equal(sectionOf(made.stdout, 'token', 't')[1], `sha256 = ${hashed.stdout.trim()}`);
    assert.equal(restmq(['acl', 'hash-token'], 'no newline at the end').stdout, `${hashToken('no newline at the end')}\n`);
  });
});

describe('restmq acl add-user', () => {
  it('--password-stdin: the section holds an scrypt hash that verifies the password, and the password is not printed', async () => {
    const password = ' pass: with spaces and a colon ';
    const { status, stdout, stderr } = restmq(['acl', 'add-user', 'alice', '--queues', '*', '--allow', 'produce,consume,admin', '--password-stdin'], `${password}\r\n`);
    assert.equal(status, 0, stderr);
    const lines = sectionOf(stdout, 'user', 'alice');
    assert.equal(stderr, '', 'nothing is shown: the password was not made here');
    assert.deepEqual([lines[0], lines[2], lines[3]], ['[user:alice]', 'queues = *', 'allow = produce, consume, admin']);
    const hash = (lines[1] ?? '').replace(/^password_hash = /, '');
    assert.match(lines[1] ?? '', /^password_hash = scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.ok(isPasswordHash(hash));
    assert.equal(await verifyPassword(password, hash), true, 'spaces and the colon are kept; only the line ending goes');
    assert.equal(await verifyPassword(password.trim(), hash), false);
    assert.ok(!stdout.includes(password));
  });

  it('without a flag, a piped stdin is read the same way', async () => {
    const { status, stdout } = restmq(['acl', 'add-user', 'bob', '--queues', 'jobs.*', '--allow', 'consume'], 'hunter2\n');
    assert.equal(status, 0);
    const hash = (sectionOf(stdout, 'user', 'bob')[1] ?? '').replace(/^password_hash = /, '');
    assert.equal(await verifyPassword('hunter2', hash), true);
  });

  it('--generate prints a new random password once, which verifies against the section', async () => {
    const { status, stdout, stderr } = restmq(['acl', 'add-user', 'robot', '--queues', 'jobs.*', '--allow', 'produce', '--generate']);
    assert.equal(status, 0, stderr);
    const password = shownSecret(stderr);
    assert.match(password, /^[A-Za-z0-9_-]{24}$/, '144 random bits, base64url');
    assert.ok(!stdout.includes(password));
    const hash = (sectionOf(stdout, 'user', 'robot')[1] ?? '').replace(/^password_hash = /, '');
    assert.equal(await verifyPassword(password, hash), true);
  });

  it('a password of 1024 characters is taken, 1025 is refused', async () => {
    const longest = 'p'.repeat(1024);
    const ok = restmq(['acl', 'add-user', 'long', '--queues', 'x', '--allow', 'consume', '--password-stdin'], longest);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(await verifyPassword(longest, (sectionOf(ok.stdout, 'user', 'long')[1] ?? '').slice('password_hash = '.length)), true);
    const tooLong = restmq(['acl', 'add-user', 'long', '--queues', 'x', '--allow', 'consume', '--password-stdin'], `${longest}p`);
    assert.equal(tooLong.status, 2);
    assert.match(tooLong.stderr, /the password is longer than 1024 characters/);
  });

  it('on a terminal it asks twice without echo (driven through script(1), which gives it a pty)', { timeout: 30_000 }, async () => {
    const run = (first: string, second: string): Promise<{ code: number | null; transcript: string }> =>
      new Promise((resolve) => {
        const command = `'${process.execPath}' '${BIN}' acl add-user carol --queues x --allow consume`;
        const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
        let transcript = '';
        let answered = 0;
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => {
          transcript += chunk;
          // Type only once the prompt is up, so raw mode (no echo) is already on.
          if (answered === 0 && transcript.includes('Password for carol: ')) {
            answered = 1;
            child.stdin.write(first);
          }
          if (answered === 1 && transcript.includes('Repeat the password: ')) {
            answered = 2;
            child.stdin.write(second);
          }
        });
        child.once('exit', (code) => resolve({ code, transcript }));
      });
    const typed = await run('s3cX\u007fret\r', 's3cret\r');
    assert.equal(typed.code, 0, typed.transcript);
    assert.ok(!typed.transcript.includes('s3c'), `nothing typed is echoed: ${JSON.stringify(typed.transcript)}`);
    const hash = /password_hash = (\S+)/.exec(typed.transcript)?.[1] ?? '';
    assert.equal(await verifyPassword('s3cret', hash), true, 'backspace removed the X');
    const differ = await run('one\r', 'two\r');
    assert.equal(differ.code, 2);
    assert.match(differ.transcript, /the two passwords differ/);
    assert.doesNotMatch(differ.transcript, /password_hash/);
  });
});

describe('restmq acl: bad input exits 2 with a message', () => {
  const add = (name: string, ...rest: string[]): string[] => ['acl', 'add-token', name, '--queues', 'jobs.*', '--allow', 'produce', ...rest];
  const cases: Array<{ name: string; args: string[]; input?: string; says: RegExp }> = [
    { name: 'a NAME with a space', args: add('two words'), says: /NAME must be 1-64 characters from A-Z a-z 0-9 _ \. @ -/ },
    { name: 'a NAME of 65 characters', args: add('n'.repeat(65)), says: /NAME must be 1-64 characters/ },
    { name: 'a NAME with a bracket', args: add('x]'), says: /NAME must be/ },
    { name: 'no NAME', args: ['acl', 'add-token', '--queues', 'x', '--allow', 'produce'], says: /give the NAME/ },
    { name: 'two NAMEs', args: ['acl', 'add-token', 'a', 'b', '--queues', 'x', '--allow', 'produce'], says: /unexpected argument b/ },
    { name: 'a pattern with a slash', args: ['acl', 'add-token', 'n', '--queues', 'jobs/x', '--allow', 'produce'], says: /--queues: "jobs\/x" is not a queue pattern/ },
    { name: 'a pattern of 129 characters', args: ['acl', 'add-token', 'n', '--queues', 'q'.repeat(129), '--allow', 'produce'], says: /is not a queue pattern \(1-128 characters/ },
    { name: 'no --queues', args: ['acl', 'add-token', 'n', '--allow', 'produce'], says: /--queues is required/ },
    { name: 'an empty --queues', args: ['acl', 'add-token', 'n', '--queues', ' , ', '--allow', 'produce'], says: /--queues needs at least one pattern/ },
    { name: 'a flag as the --queues value', args: ['acl', 'add-token', 'n', '--queues', '--allow', 'produce'], says: /--queues needs a value/ },
    { name: 'an unknown right', args: ['acl', 'add-token', 'n', '--queues', 'x', '--allow', 'produce,write'], says: /--allow: unknown right "write" \(use produce, consume, admin\)/ },
    { name: 'no --allow', args: ['acl', 'add-token', 'n', '--queues', 'x'], says: /--allow is required/ },
    { name: 'an empty --allow', args: ['acl', 'add-token', 'n', '--queues', 'x', '--allow', ','], says: /--allow needs at least one of/ },
    { name: 'an unknown option', args: add('n', '--ttl', '5'), says: /unknown option --ttl/ },
    { name: '--generate on add-token', args: add('n', '--generate'), says: /--generate does not go with this command/ },
    { name: '--generate with --password-stdin', args: ['acl', 'add-user', 'u', '--queues', 'x', '--allow', 'consume', '--generate', '--password-stdin'], says: /--generate or --password-stdin, not both/ },
    { name: 'an empty password', args: ['acl', 'add-user', 'u', '--queues', 'x', '--allow', 'consume', '--password-stdin'], input: '\n', says: /no password on stdin \(an empty line\)/ },
    { name: 'no stdin at all', args: ['acl', 'add-user', 'u', '--queues', 'x', '--allow', 'consume'], input: '', says: /no password on stdin \(an empty line\)/ },
    { name: 'two lines on stdin', args: ['acl', 'add-user', 'u', '--queues', 'x', '--allow', 'consume'], input: 'one\ntwo\n', says: /stdin holds more than one line; give the password as one line/ },
    { name: 'an empty token to hash', args: ['acl', 'hash-token'], input: '\n', says: /no token on stdin \(an empty line\)/ },
    { name: 'hash-token with options', args: ['acl', 'hash-token', '--queues', 'x'], input: 't\n', says: /hash-token takes no options/ },
    { name: 'an unknown acl command', args: ['acl', 'add-group', 'g'], says: /unknown acl command "add-group"/ },
  ];
  for (const c of cases) {
    // Cases that read stdin run the real CLI; the others run in-process (faster), and the
    // first of them through the CLI too, for the exit status and the "restmq:" prefix.
    const viaCli = c.input !== undefined || c === cases[0];
    it(`${c.name}${viaCli ? ' (CLI)' : ''}`, async () => {
      if (c.input === undefined) {
        let printed = '';
        const sink = { write: (text: string) => void (printed += text) };
        const run = aclCommand(c.args.slice(1), { out: sink, err: sink });
        await assert.rejects(run, (err: unknown) => err instanceof ConfigError && c.says.test(err.message));
        assert.equal(printed, '', 'nothing half-made on stdout');
      }
      if (!viaCli) return;
      const { status, stdout, stderr } = restmq(c.args, c.input ?? '');
      assert.equal(status, 2, `${stdout}${stderr}`);
      assert.match(stderr, /^restmq: /);
      assert.match(stderr, c.says);
      assert.equal(stdout, '', 'nothing half-made on stdout');
    });
  }

  it('a NAME of 64 characters and a pattern of 128 are taken', () => {
    const name = 'n'.repeat(64);
    const pattern = 'q'.repeat(127) + '*';
    const { status, stdout, stderr } = restmq(['acl', 'add-token', name, '--queues', pattern, '--allow', 'produce']);
    assert.equal(status, 0, stderr);
    assert.equal(sectionOf(stdout, 'token', name)[2], `queues = ${pattern}`);
  });
});

describe('help', () => {
  it('restmq acl --help lists the commands; restmq --help names acl', () => {
    for (const args of [['acl', '--help'], ['acl'], ['acl', 'add-token', '--help']]) {
      const { status, stdout } = restmq(args);
      assert.equal(status, 0);
      assert.match(stdout, /^Usage: restmq acl <command>/);
      for (const command of ['add-token NAME --queues PATTERNS --allow RIGHTS', 'add-user NAME', '--password-stdin', '--generate', 'hash-token']) {
        assert.ok(stdout.includes(command), `${command} is in the acl help`);
      }
    }
    const top = restmq(['--help']);
    assert.equal(top.status, 0);
    assert.match(top.stdout, /^ {2}acl {8}make \[token:NAME\] and \[user:NAME\] sections/m);
  });
});

describe('the printed sections, appended to acl.conf, admit their token and user', () => {
  it('restmq serve --acl takes them: each principal is admitted on its queues with its rights only', { timeout: 60_000 }, async () => {
    const dir = tempDir('restmq-acl-command-');
    const file = join(dir, 'acl.conf');
    writeFileSync(file, '# made with restmq acl ... >> acl.conf\n');
    const token = restmq(['acl', 'add-token', 'ci', '--queues', 'jobs.*', '--allow', 'produce']);
    appendFileSync(file, token.stdout);
    const user = restmq(['acl', 'add-user', 'alice', '--queues', 'jobs.*', '--allow', 'consume', '--password-stdin'], 'pw of alice\n');
    appendFileSync(file, user.stdout);
    const daemon = await startDaemon(['--acl', file, '--data-dir', join(dir, 'data')]);
    try {
      const bearer = { authorization: `Bearer ${shownSecret(token.stderr)}` };
      const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`alice:${password}`).toString('base64')}` });
      const publish = (queue: string, headers: Record<string, string>) =>
        fetch(`${daemon.url}/q/${queue}`, { method: 'POST', headers, body: new URLSearchParams({ value: 'v' }) });
      assert.equal((await publish('jobs.build', bearer)).status, 200);
      assert.equal((await publish('other', bearer)).status, 403, 'outside the token\'s patterns');
      assert.equal((await publish('jobs.build', {})).status, 401);
      assert.equal((await publish('jobs.build', basic('pw of alice'))).status, 403, 'alice may consume, not produce');
      const popped = await fetch(`${daemon.url}/q/jobs.build`, { headers: { ...basic('pw of alice'), accept: 'application/json' } });
      assert.equal(popped.status, 200);
      assert.equal(((await popped.json()) as { value: string }).value, 'v');
      assert.equal((await fetch(`${daemon.url}/q/jobs.build`, { headers: basic('wrong') })).status, 401);
      assert.equal((await fetch(`${daemon.url}/q/jobs.build`, { headers: bearer })).status, 403, 'the token may produce, not consume');
    } finally {
      await daemon.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
