/**
 * Arguments of the client commands (`restmq send`, `recv`, ...): each command declares its
 * options, so an unknown or malformed one is refused with exit code 2 and a message naming
 * it, instead of being ignored. Takes `--name value`, `--name=value`, short `-n 5`, flags
 * without a value, and options whose value may be left out (`--lease` or `--lease 30`).
 */
import { ConfigError } from '../config.js';

/** How one option is written. */
export interface OptionSpec {
  /** The long name, without `--`. */
  readonly name: string;
  /** A one-letter alias, without `-`. */
  readonly short?: string;
  /** `flag`: no value; `value`: needs one; `optional-number`: takes the next argument only when it is a number. */
  readonly kind: 'flag' | 'value' | 'optional-number';
}

/** Parsed arguments: options by long name (`true` for a flag or a left-out optional value) and the rest in order. */
export interface ParsedArgs {
  readonly options: ReadonlyMap<string, string | true>;
  readonly positionals: readonly string[];
}

/** Splits `args` by `specs`; throws a ConfigError (exit 2) for anything not declared. */
export function parseArgs(args: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short as string, s]));
  let onlyPositionals = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (onlyPositionals || arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    const long = arg.startsWith('--');
    const eq = long ? arg.indexOf('=') : -1;
    const name = long ? arg.slice(2, eq > 0 ? eq : undefined) : arg.slice(1);
    const spec = long ? byName.get(name) : byShort.get(name);
    if (spec === undefined) throw new ConfigError(`unknown option ${long ? `--${name}` : arg}`);
    if (eq > 0) {
      if (spec.kind === 'flag') throw new ConfigError(`--${spec.name} takes no value`);
      options.set(spec.name, arg.slice(eq + 1));
      continue;
    }
    const next = args[i + 1];
    if (spec.kind === 'flag') options.set(spec.name, true);
    else if (spec.kind === 'optional-number') {
      if (next !== undefined && /^\d+(\.\d+)?$/.test(next)) {
        options.set(spec.name, next);
        i++;
      } else options.set(spec.name, true);
    } else {
      if (next === undefined) throw new ConfigError(`${arg} needs a value`);
      options.set(spec.name, next);
      i++;
    }
  }
  return { options, positionals };
}

/** An option's value as a whole number within [min, max], or undefined when it was not given. */
export function intOption(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const raw = args.options.get(name);
  if (raw === undefined || raw === true) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new ConfigError(`--${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return Number(raw);
}

/** A string option, or undefined. */
export function textOption(args: ParsedArgs, name: string): string | undefined {
  const raw = args.options.get(name);
  return raw === undefined || raw === true ? undefined : raw;
}

/** The positionals, checked against how many the command takes. */
export function positionals(args: ParsedArgs, min: number, max: number, usage: string): readonly string[] {
  if (args.positionals.length < min) throw new ConfigError(`missing argument\nUsage: ${usage}`);
  if (args.positionals.length > max) throw new ConfigError(`unexpected argument ${JSON.stringify(args.positionals[max])}\nUsage: ${usage}`);
  return args.positionals;
}
