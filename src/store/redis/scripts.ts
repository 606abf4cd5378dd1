/**
 * The Lua scripts, read once from `lua/` and run by SHA. A script file is named by its
 * purpose and key count (`take-15.lua`) and opens with a comment listing its KEYS and
 * ARGV; every key a script touches is passed in KEYS, so it runs unchanged on a Cluster.
 * When a Redis has lost its script cache (restart, failover, SCRIPT FLUSH) the call
 * answers NOSCRIPT and is sent once more as EVAL, which loads the script again.
 *
 * Shared Lua (the settle rule, message layout helpers) lives once in `lua/lib/`: a script
 * line `-- @include <name>` is replaced by `lua/lib/<name>.lua` at load time, preceded by
 * the queue-setting defaults taken from {@link DEFAULT_QUEUE_SETTINGS} and the contract's
 * {@link GROUP_LOOKAHEAD}, so Lua and TypeScript cannot disagree on them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEFAULT_QUEUE_SETTINGS } from '../../core/types.js';
import { GROUP_LOOKAHEAD } from '../contract.js';
import type { RedisClient } from './connection.js';

/** Every script, by file name without `.lua`. */
export const SCRIPT_NAMES = [
  'publish-15',
  'take-15',
  'read-oldest-15',
  'read-15',
  'peek-15',
  'remove-15',
  'purge-17',
  'drop-17',
  'stats-15',
  'lease-15',
  'ack-15',
  'ack-many-15',
  'release-15',
  'extend-15',
  'redrive-15',
  'deliver-15',
  'maintain-15',
  'settings-1',
  'mark-due-2',
  'settled-2',
  'import-message-8',
  'import-queue-4',
  'take-broadcast-17',
  'read-history-2',
  'restore-17',
] as const;

/** A script name. */
export type ScriptName = (typeof SCRIPT_NAMES)[number];

interface Script {
  readonly body: string;
  readonly sha: string;
  readonly keyCount: number;
}

/**
 * The folder holding the `.lua` files. The scripts ship in `src/` (the package includes
 * it) and both this file's source (`src/store/redis/`) and its build (`dist/store/redis/`)
 * sit three levels under the package root, so one relative path serves tsx and dist alike.
 */
export const LUA_DIR = new URL('../../../src/store/redis/lua/', import.meta.url);

/** The loaded scripts; build one per store with {@link loadScripts}. */
export class Scripts {
  constructor(private readonly scripts: ReadonlyMap<ScriptName, Script>) {}

  /** Runs `name` with its KEYS and ARGV; the reply is unchecked and the caller validates it. */
  async run(client: RedisClient, name: ScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const script = this.scripts.get(name);
    if (script === undefined) throw new Error(`unknown Redis script ${name}`);
    if (keys.length !== script.keyCount) throw new Error(`script ${name} takes ${script.keyCount} keys, got ${keys.length}`);
    try {
      return await client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return await client.eval(script.body, keys.length, ...keys, ...args);
    }
  }

  /** The full text of `name` as sent to Redis (includes resolved); for tests and docs. */
  body(name: ScriptName): string {
    const script = this.scripts.get(name);
    if (script === undefined) throw new Error(`unknown Redis script ${name}`);
    return script.body;
  }
}

/** Lua constants every included library may use, from the TypeScript defaults and the store contract. */
function defaultsPrelude(): string {
  const d = DEFAULT_QUEUE_SETTINGS;
  return [
    `local DEFAULT_LEASE = ${d.leaseSeconds}`,
    `local DEFAULT_MAX_ATTEMPTS = ${d.maxAttempts}`,
    `local DEFAULT_DELAY = ${d.delaySeconds}`,
    `local DEFAULT_DEDUP_WINDOW = ${d.dedupWindowSeconds}`,
    `local GROUP_LOOKAHEAD = ${GROUP_LOOKAHEAD}`,
    '',
  ].join('\n');
}

/** Replaces each `-- @include <name>` line of `body` by `lib/<name>.lua` (once per script). */
export function resolveIncludes(body: string, dir: URL): string {
  let prelude = false;
  return body.replace(/^-- @include ([a-z-]+)[ \t]*$/gm, (_line, lib: string) => {
    const text = readFileSync(new URL(`lib/${lib}.lua`, dir), 'utf8');
    const head = prelude ? '' : defaultsPrelude();
    prelude = true;
    return `${head}${text}`;
  });
}

/** Reads every script from `dir`, resolves its includes and computes its SHA1. */
export function loadScripts(dir: URL = LUA_DIR): Scripts {
  const scripts = new Map<ScriptName, Script>();
  for (const name of SCRIPT_NAMES) {
    const body = resolveIncludes(readFileSync(new URL(`${name}.lua`, dir), 'utf8'), dir);
    const keyCount = Number(name.slice(name.lastIndexOf('-') + 1));
    scripts.set(name, { body, sha: createHash('sha1').update(body).digest('hex'), keyCount });
  }
  return new Scripts(scripts);
}
