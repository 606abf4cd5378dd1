/**
 * The browser-safety rules as pure functions: which Host names the server answers for (DNS
 * rebinding), and whether a request was sent by a page of an origin that is not allowed
 * (cross-site reads, pops and state changes). The hooks that apply them live in
 * browser.ts; the rules are explained in docs/security.md, "Browser safety".
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';

/** The settings the rules are built from (see src/config.ts). */
export interface BrowserPolicyInput {
  readonly listen: string;
  /** An ACL file is configured: listening beyond loopback then serves any Host by default. */
  readonly acl: string | null;
  readonly allowedHosts: readonly string[] | null;
  readonly allowedOrigins: readonly string[] | null;
  readonly corsOrigins: readonly string[] | null;
  readonly jsonp: 'on' | 'off';
}

/** CORS as configured: which origins' scripts may read answers. */
export interface CorsPolicy {
  /** `*`: any origin may read, but only requests without credentials. */
  readonly anyOrigin: boolean;
  /** Origins listed exactly; they may read with credentials. */
  readonly origins: ReadonlySet<string>;
}

/** The resolved rules. */
export interface BrowserPolicy {
  /** Host names served besides IP addresses and `localhost`; null serves any Host. */
  readonly hosts: ReadonlySet<string> | null;
  /** Origins besides the server's own whose pages may use it (allowed and CORS origins). */
  readonly origins: ReadonlySet<string>;
  readonly cors: CorsPolicy | null;
  readonly jsonp: boolean;
}

/** True for an address or name that only reaches this machine. */
export function isLoopback(listen: string): boolean {
  const name = listen.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || name === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** Builds the rules from the settings, filling in the default Host list. */
export function browserPolicy(input: BrowserPolicyInput): BrowserPolicy {
  const corsAll = input.corsOrigins ?? [];
  const corsExact = corsAll.filter((o) => o !== '*');
  return {
    hosts: allowedHosts(input),
    origins: new Set([...(input.allowedOrigins ?? []), ...corsExact]),
    cors: input.corsOrigins === null ? null : { anyOrigin: corsAll.includes('*'), origins: new Set(corsExact) },
    jsonp: input.jsonp === 'on',
  };
}

function allowedHosts(input: BrowserPolicyInput): ReadonlySet<string> | null {
  if (input.allowedHosts !== null) return input.allowedHosts.includes('*') ? null : new Set(input.allowedHosts);
  const loopback = isLoopback(input.listen);
  if (!loopback && input.acl !== null) return null;
  const names = new Set<string>();
  const listen = input.listen.toLowerCase();
  if (isIP(listen) === 0) names.add(listen);
  if (!loopback) names.add(hostname().toLowerCase());
  return names;
}

/** The host name of a `Host` header (lower case, no port, no brackets), or null when malformed. */
export function hostName(header: string): string | null {
  const value = header.trim().toLowerCase();
  const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9._-]+))(?::[0-9]{1,5})?$/.exec(value);
  if (match === null) return null;
  return (match[1] ?? match[2] ?? '').replace(/\.$/, '');
}

/**
 * True when the server answers for this `Host`. IP addresses and `localhost` always pass:
 * DNS rebinding needs a name the attacker controls. A request without a Host (HTTP/1.0,
 * never a browser) passes too.
 */
export function hostAllowed(policy: BrowserPolicy, header: string | undefined): boolean {
  if (header === undefined) return true;
  const name = hostName(header);
  if (name === null) return false;
  if (policy.hosts === null || name === 'localhost' || isIP(name) !== 0) return true;
  return policy.hosts.has(name);
}

/** The origin of an `Origin` or `Referer` value, or null for `null`, other schemes and junk. */
export function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

/** The headers the verdict reads, as node gives them. */
export interface OriginHeaders {
  readonly origin?: string | string[] | undefined;
  readonly referer?: string | string[] | undefined;
  readonly 'sec-fetch-site'?: string | string[] | undefined;
  readonly authorization?: string | string[] | undefined;
  readonly cookie?: string | string[] | undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * True when a browser marks the request as sent by a page whose origin is neither the
 * server's own (`protocol://host` as the request addressed it) nor allowed: an `Origin`
 * or, without one, a `Referer` outside the allowed origins, or `Sec-Fetch-Site:
 * cross-site|same-site` with no allowed origin to vouch for it. Requests without these
 * headers (curl, SDKs, the original's clients) are not foreign. With CORS `*` every origin
 * counts as allowed, but only for requests that carry no credentials.
 */
export function isForeign(policy: BrowserPolicy, headers: OriginHeaders, protocol: string, host: string | undefined): boolean {
  const claimed = single(headers.origin) ?? single(headers.referer);
  if (claimed === undefined) {
    const site = single(headers['sec-fetch-site']);
    return site === 'cross-site' || site === 'same-site';
  }
  // The common same-origin case without parsing: `Origin: http://host:port` or a Referer under it.
  const own = host === undefined ? null : `${protocol}://${host}`;
  if (own !== null && (claimed === own || claimed.startsWith(`${own}/`))) return false;
  const from = originOf(claimed);
  if (from === null) return true;
  if (policy.origins.has(from) || from === ownOrigin(protocol, host)) return false;
  const credentialed = headers.authorization !== undefined || headers.cookie !== undefined;
  return !(policy.cors?.anyOrigin === true && !credentialed);
}

/** The server's own origin as this request addressed it, or null without a usable Host. */
export function ownOrigin(protocol: string, host: string | undefined): string | null {
  if (host === undefined) return null;
  return originOf(`${protocol}://${host}`);
}
