/**
 * Host rules of acl.conf: the original matched a client address by string prefix
 * (`192.168.0.` covers 192.168.0.0/24, and `10.1` covers 10.1.x.x but also 10.10.x.x, as it
 * always did); CIDR blocks (`10.0.0.0/8`, `fd00::/8`) are matched as networks.
 */
import { at } from '../core/checked.js';
import { BlockList, isIP } from 'node:net';

/** A list of host patterns from one `hosts_allow` or `hosts_deny` line. */
export interface HostList {
  /** True when `address` is covered by a prefix or a block of the list. */
  matches(address: string): boolean;
  /** The patterns as written, for logs and docs. */
  readonly patterns: readonly string[];
}

/** IPv4 clients of a dual-stack socket show up as `::ffff:a.b.c.d`; rules are written for `a.b.c.d`. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:([0-9.]+)$/i.exec(address);
  return mapped === null ? address.toLowerCase() : at(mapped, 1);
}

/** Parses the words of a hosts line; throws an Error naming the bad word. */
export function parseHostList(words: readonly string[]): HostList {
  const blocks = new BlockList();
  const prefixes: string[] = [];
  for (const word of words) {
    const slash = word.indexOf('/');
    if (slash >= 0) {
      const net = word.slice(0, slash);
      const bits = word.slice(slash + 1);
      const family = isIP(net);
      const max = family === 4 ? 32 : 128;
      if (family === 0 || !/^[0-9]{1,3}$/.test(bits) || Number(bits) > max) {
        throw new Error(`${JSON.stringify(word)} is not a CIDR block like 10.0.0.0/8 or fd00::/8`);
      }
      blocks.addSubnet(net, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
      continue;
    }
    if (!/^[0-9A-Fa-f.:]{1,45}$/.test(word)) {
      throw new Error(`${JSON.stringify(word)} is not an address prefix (digits, dots and colons) or a CIDR block`);
    }
    prefixes.push(word.toLowerCase());
  }
  return {
    patterns: [...words],
    matches(address: string): boolean {
      const ip = normalizeAddress(address);
      if (prefixes.some((p) => ip.startsWith(p))) return true;
      const family = isIP(ip);
      return family !== 0 && blocks.check(ip, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms: the addresses protected mode serves. */
export function isLoopback(address: string): boolean {
  const ip = normalizeAddress(address);
  return ip === '::1' || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(ip);
}
