/**
 * Reads acl.conf into rules. The four original sections keep their meaning (host rules and
 * one shared username/password per transport and role); `[user:NAME]` and `[token:NAME]`
 * sections add named principals with rights on queue patterns, and `[key:NAME]` sections
 * AWS access keys (for SQS clients' Signature Version 4) with the same kind of grant. Everything is checked here,
 * at load time, so a request never meets a half-understood rule.
 */
import type { AclSection, Right } from './rights.js';
import { ACL_SECTIONS, RIGHTS } from './rights.js';
import type { HostList } from './hosts.js';
import { parseHostList } from './hosts.js';
import { IniError, parseIni } from './ini.js';
import type { IniSection } from './ini.js';
import { isPasswordHash, isTokenHash } from './secrets.js';

/** The rules of one original section. */
export interface SectionRule {
  readonly section: AclSection;
  /** `hosts_allow`: null when unset or `all`. */
  readonly allow: HostList | null;
  /** `hosts_deny`: null when unset. */
  readonly deny: HostList | null;
  /** `hosts_deny = all`: every host the allow list does not cover is refused. */
  readonly denyAll: boolean;
  /** Shared HTTP Basic (or WebSocket cookie) credentials; both set or neither. */
  readonly username: string | null;
  readonly password: string | null;
}

/** Rights on queue patterns, held by a user or a token. */
export interface Grant {
  readonly patterns: readonly string[];
  readonly rights: ReadonlySet<Right>;
  /** True when a queue named `queue` matches one of the patterns. */
  covers(queue: string): boolean;
}

/** A `[user:NAME]` section. */
export interface UserRule {
  readonly name: string;
  readonly passwordHash: string;
  readonly grant: Grant;
}

/** A `[token:NAME]` section. */
export interface TokenRule {
  readonly name: string;
  readonly sha256: string;
  readonly grant: Grant;
}

/**
 * A `[key:NAME]` section: an AWS access key. SigV4 is an HMAC, so the file holds the secret
 * itself (not a hash): keep the file readable by the daemon only.
 */
export interface KeyRule {
  readonly name: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly grant: Grant;
}

/** Access key ids: as AWS makes them (upper-case letters and digits), 16-128 characters. */
export const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
/** Secret access keys: 16-128 printable ASCII characters without spaces. */
export const SECRET_ACCESS_KEY = /^[\x21-\x7e]{16,128}$/;

/** Everything acl.conf says, ready for decisions. */
export interface AclRules {
  readonly sections: ReadonlyMap<AclSection, SectionRule>;
  readonly users: ReadonlyMap<string, UserRule>;
  /** Tokens by their SHA-256. */
  readonly tokens: ReadonlyMap<string, TokenRule>;
  /** Access keys by their id. */
  readonly keys: ReadonlyMap<string, KeyRule>;
}

/** Names of users and tokens, as the CLI makes them. */
export const PRINCIPAL_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
/** Queue patterns: queue-name characters plus `*` (any run) and `?` (one character). */
export const QUEUE_PATTERN = /^[A-Za-z0-9_\-.:@*?]{1,128}$/;

const SECTION_KEYS = new Set(['hosts_allow', 'hosts_deny', 'username', 'password']);

/** The regular expression of a queue glob. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function entry(section: IniSection, key: string): { value: string; line: number } | null {
  const found = section.entries.find((e) => e.key === key);
  return found === undefined ? null : { value: found.value, line: found.line };
}

function required(section: IniSection, key: string): { value: string; line: number } {
  const found = entry(section, key);
  if (found === null || found.value === '') throw new IniError(section.line, `[${section.name}] needs ${key} =`);
  return found;
}

function hosts(section: IniSection, key: string): { list: HostList | null; all: boolean } {
  const found = entry(section, key);
  if (found === null || found.value === '') return { list: null, all: false };
  const words = found.value.split(/\s+/);
  if (words.includes('all')) {
    if (words.length > 1) throw new IniError(found.line, `${key}: all stands alone`);
    // As in the original, `hosts_allow = all` sets no allow list: the deny list still applies.
    return { list: null, all: true };
  }
  try {
    return { list: parseHostList(words), all: false };
  } catch (err) {
    throw new IniError(found.line, `${key}: ${(err as Error).message}`);
  }
}

function sectionRule(section: IniSection, name: AclSection): SectionRule {
  for (const e of section.entries) {
    if (!SECTION_KEYS.has(e.key)) throw new IniError(e.line, `[${section.name}] has no setting ${e.key} (use ${[...SECTION_KEYS].join(', ')})`);
  }
  const allow = hosts(section, 'hosts_allow');
  const deny = hosts(section, 'hosts_deny');
  const username = entry(section, 'username');
  const password = entry(section, 'password');
  const hasUser = username !== null && username.value !== '';
  const hasPassword = password !== null && password.value !== '';
  if (hasUser !== hasPassword) {
    throw new IniError((username ?? password ?? section).line, `[${section.name}] needs both username and password, or neither`);
  }
  return {
    section: name,
    allow: allow.list,
    deny: deny.all ? null : deny.list,
    denyAll: deny.all,
    username: hasUser ? (username as { value: string }).value : null,
    password: hasPassword ? (password as { value: string }).value : null,
  };
}

function grant(section: IniSection, allowedKeys: Set<string>): Grant {
  for (const e of section.entries) {
    if (!allowedKeys.has(e.key)) throw new IniError(e.line, `[${section.name}] has no setting ${e.key} (use ${[...allowedKeys].join(', ')})`);
  }
  const queues = required(section, 'queues');
  const patterns = queues.value.split(/\s+/);
  for (const p of patterns) {
    if (!QUEUE_PATTERN.test(p)) throw new IniError(queues.line, `queues: ${JSON.stringify(p)} is not a queue pattern (queue-name characters, * and ?)`);
  }
  const allow = required(section, 'allow');
  const rights = new Set<Right>();
  for (const word of allow.value.split(/[\s,]+/).filter((w) => w !== '')) {
    if (!(RIGHTS as readonly string[]).includes(word)) throw new IniError(allow.line, `allow: ${JSON.stringify(word)} is not one of ${RIGHTS.join(', ')}`);
    rights.add(word as Right);
  }
  const regexps = patterns.map(globToRegExp);
  return { patterns, rights, covers: (queue) => regexps.some((r) => r.test(queue)) };
}

/** Parses acl.conf text; throws {@link IniError} naming the line of the first problem. */
export function parseAclFile(text: string): AclRules {
  const sections = new Map<AclSection, SectionRule>();
  const users = new Map<string, UserRule>();
  const tokens = new Map<string, TokenRule>();
  const keys = new Map<string, KeyRule>();
  for (const section of parseIni(text)) {
    if ((ACL_SECTIONS as readonly string[]).includes(section.name)) {
      sections.set(section.name as AclSection, sectionRule(section, section.name as AclSection));
      continue;
    }
    const named = /^(user|token|key):(.*)$/.exec(section.name);
    if (named === null) {
      throw new IniError(section.line, `unknown section [${section.name}] (use ${ACL_SECTIONS.map((s) => `[${s}]`).join(', ')}, [user:NAME], [token:NAME] or [key:NAME])`);
    }
    const [, kind, name] = named as unknown as [string, 'user' | 'token' | 'key', string];
    if (!PRINCIPAL_NAME.test(name)) throw new IniError(section.line, `${kind} name ${JSON.stringify(name)} must be 1-64 characters from A-Z a-z 0-9 _ . @ -`);
    if (kind === 'key') {
      const id = required(section, 'access_key_id');
      if (!ACCESS_KEY_ID.test(id.value)) throw new IniError(id.line, 'access_key_id must be 16-128 characters from A-Z 0-9');
      const secret = required(section, 'secret_access_key');
      if (!SECRET_ACCESS_KEY.test(secret.value)) throw new IniError(secret.line, 'secret_access_key must be 16-128 printable characters without spaces');
      if (keys.has(id.value)) throw new IniError(id.line, `[key:${name}] has the same access_key_id as [key:${(keys.get(id.value) as KeyRule).name}]`);
      keys.set(id.value, { name, accessKeyId: id.value, secretAccessKey: secret.value, grant: grant(section, new Set(['access_key_id', 'secret_access_key', 'queues', 'allow'])) });
    } else if (kind === 'user') {
      const hash = required(section, 'password_hash');
      if (!isPasswordHash(hash.value)) throw new IniError(hash.line, 'password_hash must be scrypt$N$r$p$salt$hash as restmq acl add-user prints it');
      users.set(name, { name, passwordHash: hash.value, grant: grant(section, new Set(['password_hash', 'queues', 'allow'])) });
    } else {
      const sha = required(section, 'sha256');
      if (!isTokenHash(sha.value)) throw new IniError(sha.line, 'sha256 must be 64 lower-case hex digits as restmq acl add-token prints it');
      if (tokens.has(sha.value)) throw new IniError(sha.line, `[token:${name}] has the same sha256 as [token:${(tokens.get(sha.value) as TokenRule).name}]`);
      tokens.set(sha.value, { name, sha256: sha.value, grant: grant(section, new Set(['sha256', 'queues', 'allow'])) });
    }
  }
  return { sections, users, tokens, keys };
}
