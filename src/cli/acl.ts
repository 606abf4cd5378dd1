/**
 * `restmq acl`: makes the secrets of acl.conf so nobody writes a password or token in plain
 * text. The section goes to stdout, so `>> acl.conf` appends exactly it; a new secret
 * (`add-token`, `add-user --generate`) is shown once on stderr and is never in the file.
 * Bad input throws {@link ConfigError} (exit 2).
 */
import { at } from '../core/checked.js';
import { randomBytes } from 'node:crypto';
import { RIGHTS } from '../access/rights.js';
import type { Right } from '../access/rights.js';
import { hashPassword, hashToken, newToken } from '../access/secrets.js';
import { ConfigError } from '../config.js';
import { readHidden, readStdinLine } from './stdin.js';

/** `restmq acl --help`. */
export const ACL_USAGE = `Usage: restmq acl <command> [options]

Makes [token:NAME] and [user:NAME] sections for acl.conf. Only hashes go into the file:
a token is stored as its SHA-256, a password as an scrypt hash. The section is printed on
stdout (append it with >> acl.conf); a new secret is shown once, on stderr.

Commands:
  add-token NAME --queues PATTERNS --allow RIGHTS
      make a random bearer token; shows it once (it cannot be shown again) and prints
      the [token:NAME] section
  add-user NAME --queues PATTERNS --allow RIGHTS [--password-stdin | --generate]
      hash a password and print the [user:NAME] section. The password is one line on
      stdin (asked twice without echo on a terminal); --password-stdin reads stdin
      without asking; --generate makes a random one and shows it once
  hash-token
      read a token (one line) on stdin and print its SHA-256, for a token made elsewhere

  NAME      1-64 characters from A-Z a-z 0-9 _ . @ -
  PATTERNS  queue name patterns separated by spaces or commas, e.g. 'jobs.* reports';
            * matches any run of characters, ? one character
  RIGHTS    any of produce, consume, admin, separated by commas

Examples:
  restmq acl add-token worker --queues 'jobs.*' --allow produce,consume >> acl.conf
  printf '%s\\n' "$PASSWORD" | restmq acl add-user alice --queues '*' --allow admin --password-stdin >> acl.conf`;

const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
const PATTERN = /^[A-Za-z0-9_.:@*?-]{1,128}$/;
/** Longest password accepted, in characters; longer input is more likely a wrong file. */
export const MAX_PASSWORD_CHARS = 1024;

/** A place the command writes text to. */
export interface TextSink {
  write(text: string): void;
}

/** Where the command writes: the section (and help) to `out`, a secret shown once to `err`. */
export interface AclOutput {
  readonly out: TextSink;
  readonly err: TextSink;
}

/** Runs `restmq acl <args>`. */
export async function aclCommand(args: readonly string[], io: AclOutput = { out: process.stdout, err: process.stderr }): Promise<void> {
  const out = io.out;
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    out.write(`${ACL_USAGE}\n`);
    return;
  }
  const parsed = parseArgs(rest);
  if (parsed.flags.has('help')) {
    out.write(`${ACL_USAGE}\n`);
    return;
  }
  if (sub === 'add-token') return addToken(parsed, io);
  if (sub === 'add-user') return addUser(parsed, io);
  if (sub === 'hash-token') return hashTokenCommand(parsed, out);
  throw new ConfigError(`unknown acl command "${sub}"\n\n${ACL_USAGE}`);
}

interface Parsed {
  readonly positional: string[];
  readonly values: Map<string, string>;
  readonly flags: Set<string>;
}

const VALUE_OPTIONS = new Set(['queues', 'allow']);
const SWITCHES = new Set(['password-stdin', 'generate', 'help']);

function parseArgs(args: readonly string[]): Parsed {
  const parsed: Parsed = { positional: [], values: new Map(), flags: new Set() };
  for (let i = 0; i < args.length; i++) {
    const arg = at(args, i);
    if (arg === '-h') {
      parsed.flags.add('help');
      continue;
    }
    if (!arg.startsWith('--')) {
      parsed.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq > 0 ? eq : undefined);
    if (SWITCHES.has(name)) {
      if (eq > 0) throw new ConfigError(`--${name} takes no value`);
      parsed.flags.add(name);
    } else if (VALUE_OPTIONS.has(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new ConfigError(`--${name} needs a value`);
      if (parsed.values.has(name)) throw new ConfigError(`--${name} is given twice`);
      parsed.values.set(name, value);
    } else {
      throw new ConfigError(`unknown option ${arg} (see restmq acl --help)`);
    }
  }
  return parsed;
}

/** What every section holds: a checked name, queue patterns and rights. */
interface Grant {
  readonly name: string;
  readonly queues: string[];
  readonly allow: Right[];
}

function grant(parsed: Parsed, allowed: readonly string[]): Grant {
  for (const flag of parsed.flags) {
    if (!allowed.includes(flag)) throw new ConfigError(`--${flag} does not go with this command`);
  }
  if (parsed.positional.length !== 1) {
    throw new ConfigError(parsed.positional.length === 0 ? 'give the NAME of the token or user' : `unexpected argument ${parsed.positional[1] ?? ''}`);
  }
  const name = at(parsed.positional, 0);
  if (!NAME.test(name)) throw new ConfigError(`NAME must be 1-64 characters from A-Z a-z 0-9 _ . @ - (got ${JSON.stringify(name)})`);
  return { name, queues: queuePatterns(parsed.values.get('queues')), allow: rights(parsed.values.get('allow')) };
}

/** `--queues`: patterns split on spaces or commas, each checked, duplicates dropped. */
export function queuePatterns(raw: string | undefined): string[] {
  if (raw === undefined) throw new ConfigError("--queues is required: the queue patterns it may use, e.g. --queues 'jobs.*' (or '*' for every queue)");
  const patterns = [...new Set(raw.split(/[\s,]+/).filter((p) => p !== ''))];
  if (patterns.length === 0) throw new ConfigError('--queues needs at least one pattern');
  for (const p of patterns) {
    if (!PATTERN.test(p)) {
      throw new ConfigError(`--queues: ${JSON.stringify(p)} is not a queue pattern (1-128 characters from A-Z a-z 0-9 _ - . : @ and the wildcards * ?)`);
    }
  }
  return patterns;
}

/** `--allow`: rights split on commas or spaces, each checked, in the order RIGHTS lists them. */
export function rights(raw: string | undefined): Right[] {
  if (raw === undefined) throw new ConfigError(`--allow is required: any of ${RIGHTS.join(', ')}, separated by commas`);
  const given = raw.split(/[\s,]+/).filter((r) => r !== '');
  if (given.length === 0) throw new ConfigError(`--allow needs at least one of ${RIGHTS.join(', ')}`);
  for (const r of given) {
    if (!(RIGHTS as readonly string[]).includes(r)) throw new ConfigError(`--allow: unknown right ${JSON.stringify(r)} (use ${RIGHTS.join(', ')})`);
  }
  return RIGHTS.filter((r) => given.includes(r));
}

/** The section as acl.conf takes it, after a blank line so appended sections stay apart. */
function section(kind: 'token' | 'user', g: Grant, secretLine: string): string {
  return `\n[${kind}:${g.name}]\n${secretLine}\nqueues = ${g.queues.join(' ')}\nallow = ${g.allow.join(', ')}\n`;
}

function showOnce(what: string, secret: string): string {
  return `${what} (shown only this once; it cannot be shown again, so store it now):\n\n${secret}\n\nThe section for acl.conf is on stdout (append it with >> acl.conf).\n`;
}

function addToken(parsed: Parsed, io: AclOutput): void {
  const g = grant(parsed, []);
  const token = newToken();
  io.err.write(showOnce(`New bearer token for [token:${g.name}]`, token));
  io.out.write(section('token', g, `sha256 = ${hashToken(token)}`));
}

async function addUser(parsed: Parsed, io: AclOutput): Promise<void> {
  const g = grant(parsed, ['password-stdin', 'generate']);
  if (parsed.flags.has('generate') && parsed.flags.has('password-stdin')) throw new ConfigError('give --generate or --password-stdin, not both');
  let password: string;
  if (parsed.flags.has('generate')) {
    password = randomBytes(18).toString('base64url');
  } else if (!parsed.flags.has('password-stdin') && process.stdin.isTTY) {
    password = checkPassword(await readHidden(`Password for ${g.name}: `));
    if ((await readHidden('Repeat the password: ')) !== password) throw new ConfigError('the two passwords differ');
  } else {
    password = checkPassword(await readStdinLine('password'));
  }
  const hash = await hashPassword(password);
  if (parsed.flags.has('generate')) io.err.write(showOnce(`New password for [user:${g.name}]`, password));
  io.out.write(section('user', g, `password_hash = ${hash}`));
}

function checkPassword(password: string): string {
  if (password === '') throw new ConfigError('the password is empty');
  if (password.length > MAX_PASSWORD_CHARS) throw new ConfigError(`the password is longer than ${MAX_PASSWORD_CHARS} characters`);
  return password;
}

async function hashTokenCommand(parsed: Parsed, out: TextSink): Promise<void> {
  if (parsed.positional.length > 0) throw new ConfigError(`unexpected argument ${parsed.positional[0] ?? ''}`);
  if (parsed.values.size > 0 || parsed.flags.size > 0) throw new ConfigError('hash-token takes no options; it reads the token on stdin');
  const token = process.stdin.isTTY ? await readHidden('Token: ') : await readStdinLine('token');
  if (token === '') throw new ConfigError('the token is empty');
  out.write(`${hashToken(token)}\n`);
}
