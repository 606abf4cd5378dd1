/**
 * acl.conf parsing and the access decision without HTTP: the original's rule order with
 * prefixes and CIDR blocks, users, tokens and queue patterns, and errors that name the line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globToRegExp, parseAclFile } from '../../src/access/acl-file.js';
import { isLoopback, normalizeAddress, parseHostList } from '../../src/access/hosts.js';
import { IniError, parseIni } from '../../src/access/ini.js';
import type { Credentials } from '../../src/access/policy.js';
import { allows, decide } from '../../src/access/policy.js';
import { hashPassword, hashToken, newToken, sameSecret, verifyPassword } from '../../src/access/secrets.js';

const NONE: Credentials = { kind: 'none' };
const noPasswords = (): Promise<boolean> => Promise.resolve(false);

function lineOf(text: string): number {
  try {
    parseAclFile(text);
  } catch (err) {
    assert.ok(err instanceof IniError, String(err));
    return err.line;
  }
  assert.fail('expected an error');
}

describe('INI parsing', () => {
  it('reads sections, both separators, comments and continuation lines', () => {
    const sections = parseIni('# comment\n; other\n[a]\nx = 1\ny: two words\n  more\n\n[b]\n');
    assert.deepEqual(
      sections.map((s) => [s.name, s.entries.map((e) => [e.key, e.value])]),
      [['a', [['x', '1'], ['y', 'two words more']]], ['b', []]],
    );
  });

  it('names the line of a broken entry, a key before any section and a repeated section', () => {
    assert.throws(() => parseIni('[a]\nx = 1\nnonsense\n'), (e: unknown) => e instanceof IniError && e.line === 3);
    assert.throws(() => parseIni('x = 1\n'), (e: unknown) => e instanceof IniError && e.line === 1);
    assert.throws(() => parseIni('[a]\n[a]\n'), (e: unknown) => e instanceof IniError && e.line === 2);
  });
});

describe('acl.conf', () => {
  it('reads the original file unchanged (everything commented out: no rules)', () => {
    const rules = parseAclFile(
      '[rest:producer]\n#hosts_allow = 127.0.0.1 192.168.0.7\n#hosts_deny = all\n#username = lero\n#password = lero\n\n[rest:consumer]\n[comet:consumer]\n[websocket:consumer]\n',
    );
    assert.equal(rules.sections.size, 4);
    assert.equal(rules.sections.get('rest:producer')?.password, null);
  });

  it('refuses unknown sections and keys, half credentials, bad hosts, names, patterns, rights and hashes, naming the line', () => {
    assert.equal(lineOf('[rest:producer]\n\n[rest:porducer]\n'), 3);
    assert.equal(lineOf('[rest:producer]\nhost_allow = 1.2.3.4\n'), 2);
    assert.equal(lineOf('[rest:producer]\nusername = a\n'), 2);
    assert.equal(lineOf('[rest:consumer]\nhosts_allow = 10.0.0.0/33\n'), 2);
    assert.equal(lineOf('[rest:consumer]\nhosts_allow = example.com\n'), 2);
    assert.equal(lineOf('[rest:consumer]\nhosts_deny = all 10.\n'), 2);
    assert.equal(lineOf('[token:bad name]\nsha256 = x\n'), 1);
    assert.equal(lineOf(`[token:t]\nsha256 = ${'A'.repeat(64)}\nqueues = *\nallow = produce\n`), 2);
    assert.equal(lineOf(`[token:t]\nsha256 = ${hashToken('x')}\nqueues = jobs/*\nallow = produce\n`), 3);
    assert.equal(lineOf(`[token:t]\nsha256 = ${hashToken('x')}\nqueues = *\nallow = produce, write\n`), 4);
    assert.equal(lineOf(`[token:t]\nsha256 = ${hashToken('x')}\nallow = produce\n`), 1);
    assert.equal(lineOf('[user:u]\npassword_hash = plaintext\nqueues = *\nallow = admin\n'), 2);
    assert.equal(lineOf(`[token:a]\nsha256 = ${hashToken('x')}\nqueues = *\nallow = consume\n[token:b]\nsha256 = ${hashToken('x')}\nqueues = *\nallow = consume\n`), 6);
  });

  it('turns queue globs into anchored patterns', () => {
    assert.ok(globToRegExp('jobs.*').test('jobs.a'));
    assert.ok(!globToRegExp('jobs.*').test('jobsXa'));
    assert.ok(!globToRegExp('jobs.*').test('x-jobs.a'));
    assert.ok(globToRegExp('q?').test('q1'));
    assert.ok(!globToRegExp('q?').test('q12'));
  });
});

describe('host lists', () => {
  it('match by string prefix as the original did, and by CIDR block', () => {
    const list = parseHostList(['192.168.0.', '10.1', '172.16.0.0/12', 'fd00::/8']);
    assert.ok(list.matches('192.168.0.7'));
    assert.ok(list.matches('::ffff:192.168.0.7'));
    assert.ok(!list.matches('192.168.1.7'));
    assert.ok(list.matches('10.10.0.1')); // the original's prefix rule, kept as it was
    assert.ok(list.matches('172.31.255.255'));
    assert.ok(!list.matches('172.32.0.1'));
    assert.ok(list.matches('fd12::1'));
    assert.ok(!list.matches('fe80::1'));
  });

  it('know loopback addresses', () => {
    assert.ok(isLoopback('127.0.0.1') && isLoopback('127.9.9.9') && isLoopback('::1') && isLoopback('::ffff:127.0.0.1'));
    assert.ok(!isLoopback('10.0.0.1') && !isLoopback('::ffff:10.0.0.1') && !isLoopback('fe80::1'));
    assert.equal(normalizeAddress('::FFFF:10.0.0.1'), '10.0.0.1');
  });
});

describe('the decision', () => {
  const producerOnly = parseAclFile('[rest:producer]\nhosts_allow = 127.0.0.1 192.168.0.7\nhosts_deny = all\nusername = lero\npassword = secret\n');

  it('follows the original rule order: an allowed host still needs the password; others are refused', async () => {
    const ask = (address: string, credentials: Credentials) => decide(producerOnly, { address, section: 'rest:producer', credentials }, true, noPasswords);
    assert.deepEqual(await ask('192.168.0.9', NONE), { ok: false, refusal: { code: 'forbidden', reason: 'address 192.168.0.9 is not allowed by [rest:producer]' } });
    const noPassword = await ask('127.0.0.1', NONE);
    assert.equal(noPassword.ok ? 'ok' : noPassword.refusal.code, 'unauthorized');
    const good = await ask('127.0.0.1', { kind: 'basic', username: 'lero', password: 'secret' });
    assert.ok(good.ok && good.principal.kind === 'shared');
    const bad = await ask('192.168.0.7', { kind: 'basic', username: 'lero', password: 'nope' });
    assert.ok(!bad.ok && bad.refusal.code === 'unauthorized' && bad.refusal.presented);
  });

  it('with hosts_allow and no hosts_deny refuses other hosts; with both, the deny list decides the rest', async () => {
    const onlyAllow = parseAclFile('[rest:consumer]\nhosts_allow = 10.0.0.0/8\n');
    const both = parseAclFile('[rest:consumer]\nhosts_allow = 10.0.0.1\nhosts_deny = 10.\n');
    const code = async (rules: typeof both, address: string) => {
      const v = await decide(rules, { address, section: 'rest:consumer', credentials: NONE }, true, noPasswords);
      return v.ok ? 'ok' : v.refusal.code;
    };
    assert.equal(await code(onlyAllow, '10.2.3.4'), 'ok');
    assert.equal(await code(onlyAllow, '11.2.3.4'), 'forbidden');
    assert.equal(await code(both, '10.0.0.1'), 'ok');
    assert.equal(await code(both, '10.0.0.2'), 'forbidden');
    assert.equal(await code(both, '11.0.0.2'), 'ok');
  });

  it('no rule means allowed in an original file; once users or tokens exist, a missing section needs credentials', async () => {
    const original = parseAclFile('[rest:producer]\nusername = a\npassword = b\n');
    const v1 = await decide(original, { address: '1.2.3.4', section: 'rest:consumer', credentials: NONE }, true, noPasswords);
    assert.ok(v1.ok && v1.principal.kind === 'anonymous');
    const withToken = parseAclFile(`[token:t]\nsha256 = ${hashToken('tok')}\nqueues = jobs.*\nallow = consume\n`);
    const v2 = await decide(withToken, { address: '127.0.0.1', section: 'rest:consumer', credentials: NONE }, true, noPasswords);
    assert.ok(!v2.ok && v2.refusal.code === 'unauthorized' && !v2.refusal.presented);
    const v3 = await decide(withToken, { address: '127.0.0.1', section: 'rest:consumer', credentials: { kind: 'bearer', token: 'tok' } }, true, noPasswords);
    assert.ok(v3.ok && v3.principal.kind === 'token');
    assert.ok(allows(v3.principal, 'consume', 'jobs.a'));
    assert.ok(!allows(v3.principal, 'consume', 'other'));
    assert.ok(!allows(v3.principal, 'produce', 'jobs.a'));
    const v4 = await decide(withToken, { address: '127.0.0.1', section: 'rest:consumer', credentials: { kind: 'bearer', token: 'tok2' } }, true, noPasswords);
    assert.ok(!v4.ok && v4.refusal.code === 'unauthorized');
  });

  it('with no ACL serves loopback and refuses others in protected mode only', async () => {
    const ask = (address: string, protectedMode: boolean) => decide(null, { address, section: 'rest:producer', credentials: NONE }, protectedMode, noPasswords);
    assert.ok((await ask('127.0.0.1', true)).ok);
    const refused = await ask('10.0.0.1', true);
    assert.ok(!refused.ok && refused.refusal.code === 'protected_mode');
    assert.ok((await ask('10.0.0.1', false)).ok);
  });
});

describe('secrets', () => {
  it('hashes passwords with scrypt and checks them; tokens are random and hashed with SHA-256', async () => {
    const hash = await hashPassword('hunter2');
    assert.match(hash, /^scrypt\$16384\$8\$1\$/);
    assert.equal(await verifyPassword('hunter2', hash), true);
    assert.equal(await verifyPassword('hunter3', hash), false);
    assert.equal(await verifyPassword('hunter2', 'scrypt$3$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA=='), false);
    const a = newToken();
    assert.notEqual(a, newToken());
    assert.match(hashToken(a), /^[0-9a-f]{64}$/);
    assert.ok(sameSecret('x', 'x') && !sameSecret('x', 'xx'));
  });
});
