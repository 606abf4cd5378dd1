/**
 * Queue administration from the command line: `purge` and `drop` (which ask before deleting
 * on a terminal, and refuse without `--yes` anywhere else, so a script never deletes by a
 * prompt it cannot see), `config` (read or change settings) and `redrive`.
 */
import { createInterface } from 'node:readline/promises';
import type { QueueConfig, RestMQClient } from '../client/index.js';
import { ConfigError } from '../config.js';
import { MAX_REDRIVE_COUNT } from '../core/limits.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { intOption, positionals } from './args.js';

/** The options of `purge` and `drop`. */
export const DELETE_OPTIONS: readonly OptionSpec[] = [{ name: 'yes', short: 'y', kind: 'flag' }];
/** The options of `config`. */
export const CONFIG_OPTIONS: readonly OptionSpec[] = [{ name: 'json', kind: 'flag' }];
/** The options of `redrive`. */
export const REDRIVE_OPTIONS: readonly OptionSpec[] = [{ name: 'n', short: 'n', kind: 'value' }];

/** The terminal a confirmation is asked on. */
export interface ConfirmIo {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stdout: { write(text: string): unknown };
}

/** Asks `question` on the terminal; true only for y or yes. */
async function confirm(io: ConfirmIo, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Runs `purge` or `drop`; resolves with the exit code (3 when the person said no). */
export async function deleteCommand(client: RestMQClient, which: 'purge' | 'drop', args: ParsedArgs, io: ConfirmIo): Promise<number> {
  const [queue] = positionals(args, 1, 1, `restmq ${which} QUEUE [--yes]`) as [string];
  const what = which === 'purge' ? `every message of ${queue}` : `the queue ${queue} with its messages and settings`;
  if (!args.options.has('yes')) {
    if (io.stdin.isTTY !== true || io.stderr.isTTY !== true) throw new ConfigError(`${which} deletes ${what}; pass --yes to confirm (no terminal to ask on)`);
    if (!(await confirm(io, `Delete ${what}?`))) {
      io.stdout.write('nothing deleted\n');
      return 3;
    }
  }
  const deleted = which === 'purge' ? await client.purge(queue) : await client.drop(queue);
  io.stdout.write(which === 'purge' ? `purged ${deleted} messages from ${queue}\n` : `dropped ${queue} (${deleted} messages)\n`);
  return 0;
}

/** The settings `config` may change, and how each value is read from `key=value`. */
const SETTING_KINDS: Readonly<Record<string, 'text' | 'number' | 'number-or-null' | 'text-or-null'>> = {
  policy: 'text',
  status: 'text',
  lease: 'number',
  max_attempts: 'number',
  dead_letter: 'text-or-null',
  delay: 'number',
  ttl: 'number-or-null',
  max_length: 'number-or-null',
  dedup_window: 'number',
};

/** Reads `key=value` pairs into a settings patch; the server validates the values. */
export function parsePatch(pairs: readonly string[]): QueueConfig {
  const patch: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq) : pair;
    const kind = SETTING_KINDS[key];
    if (eq <= 0 || kind === undefined) throw new ConfigError(`settings are key=value with key one of ${Object.keys(SETTING_KINDS).join(', ')} (got ${JSON.stringify(pair)})`);
    const raw = pair.slice(eq + 1);
    if ((kind === 'number-or-null' || kind === 'text-or-null') && (raw === 'null' || raw === '')) patch[key] = null;
    else if (kind === 'number' || kind === 'number-or-null') {
      if (!/^-?\d+(\.\d+)?$/.test(raw)) throw new ConfigError(`${key} must be a number${kind === 'number-or-null' ? ' or null' : ''} (got ${JSON.stringify(raw)})`);
      patch[key] = Number(raw);
    } else patch[key] = raw;
  }
  return patch;
}

/** Runs `config`: prints every setting, after changing the given ones. */
export async function configCommand(client: RestMQClient, args: ParsedArgs, out: { write(text: string): unknown }): Promise<number> {
  const [queue, ...pairs] = positionals(args, 1, 1 + Object.keys(SETTING_KINDS).length, 'restmq config QUEUE [key=value...] [--json]') as [string, ...string[]];
  const settings = pairs.length === 0 ? await client.config(queue) : await client.configure(queue, parsePatch(pairs));
  if (args.options.has('json')) out.write(`${JSON.stringify(settings, null, 2)}\n`);
  else for (const [key, value] of Object.entries(settings)) out.write(`${key} = ${value === null ? 'null' : typeof value === 'string' ? value : JSON.stringify(value)}\n`);
  return 0;
}

/** Runs `redrive`: moves up to `-n` dead letters (all without it) back to their source queues, 1000 per request. */
export async function redriveCommand(client: RestMQClient, args: ParsedArgs, out: { write(text: string): unknown }): Promise<number> {
  const [queue] = positionals(args, 1, 1, 'restmq redrive QUEUE [-n N]') as [string];
  const limit = intOption(args, 'n', 1, 1_000_000_000) ?? Infinity;
  let moved = 0;
  while (moved < limit) {
    const asked = Math.min(MAX_REDRIVE_COUNT, limit - moved);
    const page = await client.redrive(queue, asked);
    moved += page;
    if (page < asked) break; // the dead letters ran out
  }
  out.write(`moved ${moved} dead letters from ${queue} back to their queues\n`);
  return 0;
}
