/**
 * The ACL as the server holds it: the rules read from `--acl`, re-read when the file
 * changes (polled every {@link ACL_POLL_MS}) or on demand (SIGHUP), keeping the last good
 * rules when a new version is broken. Open connections keep the identity they were
 * admitted with; new requests see new rules at once.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError } from '../config.js';
import type { AclRules } from './acl-file.js';
import { parseAclFile } from './acl-file.js';
import { FailureLimiter } from './failures.js';
import type { AccessQuestion, Principal, Verdict } from './policy.js';
import { decide, hostRefusal } from './policy.js';
import { verifyPassword } from './secrets.js';

/** How often the file's size and modification time are checked, ms. */
export const ACL_POLL_MS = 1000;

/** Successful password checks remembered, so scrypt runs once per client, not per request. */
const VERIFIED_CACHE_SIZE = 1024;
const VERIFIED_TTL_MS = 5 * 60_000;

/**
 * Credentials that authenticated, remembered with their principal so the next request with
 * the same credential skips hashing (a token's SHA-256, a shared password's comparison) and
 * the promise of a full decision. Only successes are kept (a guesser cannot fill it), at
 * most {@link VERIFIED_CACHE_SIZE}, for {@link VERIFIED_TTL_MS}, and all are forgotten when
 * the rules change. Host rules are still checked on every request.
 */
interface Remembered {
  readonly principal: Principal;
  readonly until: number;
}

/** Thrown at start for a missing or broken acl file; the CLI exits 2 with its message. */
export class AclLoadError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'AclLoadError';
  }
}

/** What {@link AccessControl} needs. */
export interface AccessControlOptions {
  /** Path of acl.conf, or null for no ACL. */
  readonly file: string | null;
  /** With no ACL, refuse clients that are not on loopback. */
  readonly protectedMode: boolean;
  readonly log: Logger;
  readonly now?: () => number;
}

/** The key a credential is remembered under, or null for none (no credential, unreadable). */
function rememberKey(question: AccessQuestion): string | null {
  const c = question.credentials;
  if (c.kind === 'bearer') return `b\0${c.token}`;
  // A shared password is per section, so the section is part of the key.
  if (c.kind === 'basic') return `u\0${question.section}\0${c.username}\0${c.password}`;
  return null;
}

function readRules(file: string): { rules: AclRules; digest: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AclLoadError(`acl file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return { rules: parseAclFile(text), digest: createHash('sha256').update(text).digest('hex') };
  } catch (err) {
    throw new AclLoadError(`acl file ${file}: ${(err as Error).message}`);
  }
}

/** The live ACL of one server. */
export class AccessControl {
  /** Failed authentications per address. */
  readonly failures: FailureLimiter;
  private rules: AclRules | null = null;
  private digest = '';
  private stamp = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly verified = new Map<string, number>();
  private readonly remembered = new Map<string, Remembered>();
  private readonly now: () => number;

  /** Loads the file now; throws {@link AclLoadError} when it is missing or broken. */
  constructor(private readonly options: AccessControlOptions) {
    this.now = options.now ?? Date.now;
    this.failures = new FailureLimiter(this.now);
    if (options.file !== null) {
      const { rules, digest } = readRules(options.file);
      this.rules = rules;
      this.digest = digest;
      this.stamp = this.fileStamp();
    }
  }

  /** True when an acl file is in force. */
  get enabled(): boolean {
    return this.rules !== null;
  }

  /** Starts watching the file for changes. */
  watch(): void {
    if (this.options.file === null || this.timer !== undefined) return;
    this.timer = setInterval(() => {
      const stamp = this.fileStamp();
      if (stamp !== this.stamp) {
        this.stamp = stamp;
        this.reload();
      }
    }, ACL_POLL_MS);
    this.timer.unref();
  }

  /** Stops watching. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Re-reads the file; a broken file keeps the rules in force and logs why. Returns true when new rules apply. */
  reload(): boolean {
    const file = this.options.file;
    if (file === null) return false;
    try {
      const { rules, digest } = readRules(file);
      if (digest === this.digest) return false;
      this.rules = rules;
      this.digest = digest;
      this.verified.clear();
      this.remembered.clear();
      this.options.log.info({ file, users: rules.users.size, tokens: rules.tokens.size }, 'acl reloaded');
      return true;
    } catch (err) {
      this.options.log.warn({ file, reason: (err as Error).message }, 'acl not reloaded; the last good rules stay in force');
      return false;
    }
  }

  /** The secret of an access key of the rules in force, or null (no ACL, or no such key). */
  secretOf(accessKeyId: string): string | null {
    return this.rules?.keys.get(accessKeyId)?.secretAccessKey ?? null;
  }

  /** Who the request runs as, or why it is refused. */
  async decide(question: AccessQuestion): Promise<Verdict> {
    const verdict = await decide(this.rules, question, this.options.protectedMode, (hash, password) => this.checkPassword(hash, password));
    const key = rememberKey(question);
    if (verdict.ok && key !== null && verdict.principal.kind !== 'anonymous') {
      if (this.remembered.size >= VERIFIED_CACHE_SIZE) {
        const oldest = this.remembered.keys().next().value;
        if (oldest !== undefined) this.remembered.delete(oldest);
      }
      this.remembered.set(key, { principal: verdict.principal, until: this.now() + VERIFIED_TTL_MS });
    }
    return verdict;
  }

  /**
   * The decision without hashing or waiting, when the same credential authenticated recently
   * and the host rules still let the address in; null means "ask {@link decide}".
   */
  decideFast(question: AccessQuestion): Verdict | null {
    const rules = this.rules;
    const key = rememberKey(question);
    if (rules === null || key === null) return null;
    const hit = this.remembered.get(key);
    if (hit === undefined || hit.until <= this.now()) return null;
    const rule = rules.sections.get(question.section);
    if (rule !== undefined && hostRefusal(rule, question.address) !== null) return null;
    return { ok: true, principal: hit.principal };
  }

  private async checkPassword(hash: string, password: string): Promise<boolean> {
    const key = createHash('sha256').update(hash).update('\0').update(password).digest('hex');
    const until = this.verified.get(key);
    if (until !== undefined && until > this.now()) return true;
    if (!(await verifyPassword(password, hash))) return false;
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(key, this.now() + VERIFIED_TTL_MS);
    return true;
  }

  private fileStamp(): string {
    try {
      const s = statSync(this.options.file as string);
      return `${s.size}:${s.mtimeMs}:${s.ino}`;
    } catch {
      return 'missing';
    }
  }
}
