/**
 * The access decision, the same for every transport: who is asking (credentials checked
 * against acl.conf), from where (the section's host rules, in the original's order), and
 * whether that principal holds a right on a queue. It knows nothing of HTTP.
 */
import type { AclRules, Grant, SectionRule } from './acl-file.js';
import { isLoopback } from './hosts.js';
import type { AclSection, Right } from './rights.js';
import { hashToken, sameSecret } from './secrets.js';

/** What a client presented. `malformed` is an Authorization header that cannot be read. */
export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string }
  /** An AWS Signature Version 4: the key is looked up here; the signature is checked by the SQS transport, which has the body. */
  | { readonly kind: 'sigv4'; readonly accessKeyId: string }
  | { readonly kind: 'malformed' };

/**
 * Who a request runs as. `anonymous` and `shared` (an original section's username) hold
 * every right within the route's section, as in the original; users and tokens hold their grant.
 */
export type Principal =
  | { readonly kind: 'anonymous'; readonly name: 'anonymous' }
  | { readonly kind: 'shared'; readonly name: string }
  | { readonly kind: 'user' | 'token'; readonly name: string; readonly grant: Grant }
  /** An access key (`[key:NAME]`); the request's signature must still be verified with its secret. */
  | { readonly kind: 'key'; readonly name: string; readonly grant: Grant; readonly accessKeyId: string };

/** Why a request was refused; the guard maps it to a catalog error. */
export type Refusal =
  | { readonly code: 'unauthorized'; readonly reason: string; readonly presented: boolean }
  | { readonly code: 'forbidden'; readonly reason: string }
  | { readonly code: 'protected_mode'; readonly reason: string };

/** The outcome of {@link decide}. */
export type Verdict = { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly refusal: Refusal };

/** One request's question. */
export interface AccessQuestion {
  readonly address: string;
  readonly section: AclSection;
  readonly credentials: Credentials;
}

/** Checks a user's password against its hash; injected so it can be cached and run off the loop. */
export type PasswordCheck = (passwordHash: string, password: string) => Promise<boolean>;

const ANONYMOUS: Principal = { kind: 'anonymous', name: 'anonymous' };

function refuse(refusal: Refusal): Verdict {
  return { ok: false, refusal };
}

/** The original's host rule order; null when the host may go on to the credential check. */
export function hostRefusal(rule: SectionRule, address: string): Refusal | null {
  if (rule.allow?.matches(address) === true) return null;
  const reason = `address ${address} is not allowed by [${rule.section}]`;
  // With hosts_allow set and nothing denied explicitly, every other host is refused.
  if (rule.allow !== null && rule.deny === null) return { code: 'forbidden', reason };
  if (rule.denyAll || rule.deny?.matches(address) === true) return { code: 'forbidden', reason };
  return null;
}

/**
 * Decides who a request runs as, or why it is refused. With no ACL (`rules` null) every
 * loopback client is anonymous and, in protected mode, every other client is refused.
 */
export async function decide(
  rules: AclRules | null,
  question: AccessQuestion,
  protectedMode: boolean,
  checkPassword: PasswordCheck,
): Promise<Verdict> {
  const { address, section, credentials } = question;
  if (rules === null) {
    if (protectedMode && !isLoopback(address)) {
      return refuse({ code: 'protected_mode', reason: `protected mode refuses ${address}: no ACL is set` });
    }
    return { ok: true, principal: ANONYMOUS };
  }
  const rule = rules.sections.get(section);
  if (rule !== undefined) {
    const refusal = hostRefusal(rule, address);
    if (refusal !== null) return refuse(refusal);
  }
  switch (credentials.kind) {
    case 'malformed':
      return refuse({ code: 'unauthorized', reason: 'unreadable Authorization header', presented: true });
    case 'bearer': {
      const token = rules.tokens.get(hashToken(credentials.token));
      if (token === undefined) return refuse({ code: 'unauthorized', reason: 'unknown token', presented: true });
      return { ok: true, principal: { kind: 'token', name: token.name, grant: token.grant } };
    }
    case 'sigv4': {
      const key = rules.keys.get(credentials.accessKeyId);
      if (key === undefined) return refuse({ code: 'unauthorized', reason: 'unknown access key', presented: true });
      return { ok: true, principal: { kind: 'key', name: key.name, grant: key.grant, accessKeyId: key.accessKeyId } };
    }
    case 'basic': {
      const user = rules.users.get(credentials.username);
      if (user !== undefined && (await checkPassword(user.passwordHash, credentials.password))) {
        return { ok: true, principal: { kind: 'user', name: user.name, grant: user.grant } };
      }
      if (rule?.password != null && rule.username !== null) {
        // Both compared, always, so the time taken does not say which one was wrong.
        const sameUser = sameSecret(credentials.username, rule.username);
        const samePassword = sameSecret(credentials.password, rule.password);
        if (sameUser && samePassword) return { ok: true, principal: { kind: 'shared', name: rule.username } };
        return refuse({ code: 'unauthorized', reason: `wrong credentials for [${section}]`, presented: true });
      }
      if (user !== undefined) return refuse({ code: 'unauthorized', reason: `wrong password for user ${user.name}`, presented: true });
      // As the original did, a section without a password ignores what the client sent.
      break;
    }
    case 'none':
      break;
  }
  if (rule?.password != null) return refuse({ code: 'unauthorized', reason: `[${section}] needs a username and password`, presented: false });
  if (rule !== undefined) return { ok: true, principal: ANONYMOUS };
  // "No rule means allowed" holds for files of the original kind; once users or tokens
  // exist, a transport without a section of its own needs one of them.
  if (rules.users.size > 0 || rules.tokens.size > 0 || rules.keys.size > 0) {
    return refuse({ code: 'unauthorized', reason: `credentials required (no [${section}] section)`, presented: false });
  }
  return { ok: true, principal: ANONYMOUS };
}

/** True when `principal` may use `right` on `queue` (null: on some queue, for listings). */
export function allows(principal: Principal, right: Right, queue: string | null): boolean {
  if (principal.kind === 'anonymous' || principal.kind === 'shared') return true;
  if (!principal.grant.rights.has(right)) return false;
  return queue === null || principal.grant.covers(queue);
}
