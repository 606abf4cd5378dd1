/**
 * The Lua scripts, read once from `lua/` and run by SHA. A script file is named by its
 * purpose and key count (`append-4.lua`) and opens with a comment listing its KEYS and
 * ARGV; every key a script touches is passed in KEYS, so it runs unchanged on a Cluster.
 * When a Redis has lost its script cache (restart, failover, SCRIPT FLUSH) the call
 * answers NOSCRIPT and is sent once more as EVAL, which loads the script again.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

/** A standalone/Sentinel connection or a Cluster: both route EVALSHA by its first key. */
export type RedisClient = Redis | Cluster;

/** Every script, by file name without `.lua`. */
export const SCRIPT_NAMES = ['append-4', 'take-4', 'read-oldest-4', 'remove-4', 'purge-4', 'settings-1', 'stats-5', 'import-message-8', 'import-queue-4', 'take-broadcast-6', 'read-history-2', 'restore-6'] as const;

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
}

/** Reads every script from `dir` and computes its SHA1. */
export function loadScripts(dir: URL = LUA_DIR): Scripts {
  const scripts = new Map<ScriptName, Script>();
  for (const name of SCRIPT_NAMES) {
    const body = readFileSync(new URL(`${name}.lua`, dir), 'utf8');
    const keyCount = Number(name.slice(name.lastIndexOf('-') + 1));
    scripts.set(name, { body, sha: createHash('sha1').update(body).digest('hex'), keyCount });
  }
  return new Scripts(scripts);
}
