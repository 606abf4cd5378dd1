/**
 * One typed config for the daemon. Every setting is declared once in SETTINGS (flag,
 * environment variable, default, help text, parser), which drives `--help`, the README
 * table (test/unit/docs.test.ts keeps them in step) and validation. Precedence:
 * defaults < config file < RESTMQ_* environment < flags.
 */
import { readFileSync } from 'node:fs';

/** The daemon's configuration after validation. */
export interface Config {
  /** TCP port to serve HTTP on. @default 8888 */
  readonly port: number;
  /** Interface to listen on. @default '127.0.0.1' */
  readonly listen: string;
  /** Folder of the SQLite store. @default './data' */
  readonly dataDir: string;
  /** SQLite durability: `full` fsyncs every commit, `normal` survives a process crash only. @default 'full' */
  readonly sync: 'full' | 'normal';
  /** Largest message value, in bytes. @default 1048576 */
  readonly maxMessageBytes: number;
  /** pino log level. @default 'info' */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long SIGTERM waits for in-flight requests before closing anyway, ms. @default 10000 */
  readonly shutdownTimeoutMs: number;
  /** Bytes a streaming connection may have unsent before it counts as full (skipped or dropped). @default 1048576 */
  readonly streamBufferBytes: number;
  /** Most messages the dispatcher takes from a queue in one store call. @default 100 */
  readonly streamBatchSize: number;
  /** Broadcast history kept per queue for resuming consumers, in messages. @default 1000 */
  readonly streamHistoryMessages: number;
  /** Broadcast history kept per queue for resuming consumers, in seconds. @default 300 */
  readonly streamHistorySeconds: number;
  /** Seconds between SSE comment heartbeats (a `?heartbeat=` overrides per connection). @default 15 */
  readonly sseHeartbeatSeconds: number;
  /** Reconnect delay suggested to SSE clients (`retry:`), ms. @default 3000 */
  readonly sseRetryMs: number;
  /** Seconds between WebSocket pings; a peer that missed the previous pong is dropped. @default 30 */
  readonly wsPingSeconds: number;
}

/** Thrown for a bad setting; the CLI prints it and exits 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

interface Setting<K extends keyof Config> {
  readonly key: K;
  readonly flag: string;
  readonly env: string;
  readonly defaultValue: Config[K];
  readonly help: string;
  readonly parse: (raw: unknown, name: string) => Config[K];
}

function integer(min: number, max: number) {
  return (raw: unknown, name: string): number => {
    const text = typeof raw === 'number' ? String(raw) : raw;
    if (typeof text !== 'string' || !/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    }
    return Number(text);
  };
}

function oneOf<T extends string>(...values: T[]) {
  return (raw: unknown, name: string): T => {
    if (typeof raw === 'string' && (values as string[]).includes(raw)) return raw as T;
    throw new ConfigError(`${name} must be one of ${values.join(', ')} (got ${JSON.stringify(raw)})`);
  };
}

function text(raw: unknown, name: string): string {
  if (typeof raw === 'string' && raw.length > 0) return raw;
  throw new ConfigError(`${name} must be a non-empty string (got ${JSON.stringify(raw)})`);
}

function setting<K extends keyof Config>(s: Setting<K>): Setting<K> {
  return s;
}

/** Every setting, in `--help` order. */
export const SETTINGS = [
  setting({ key: 'port', flag: 'port', env: 'RESTMQ_PORT', defaultValue: 8888, help: 'TCP port to serve on (0 picks a free one)', parse: integer(0, 65535) }),
  setting({ key: 'listen', flag: 'listen', env: 'RESTMQ_LISTEN', defaultValue: '127.0.0.1', help: 'interface to listen on', parse: text }),
  setting({ key: 'dataDir', flag: 'data-dir', env: 'RESTMQ_DATA_DIR', defaultValue: './data', help: 'folder of the embedded SQLite store', parse: text }),
  setting({ key: 'sync', flag: 'sync', env: 'RESTMQ_SYNC', defaultValue: 'full', help: 'SQLite durability: full (fsync per commit) or normal (survives a process crash)', parse: oneOf('full', 'normal') }),
  setting({ key: 'maxMessageBytes', flag: 'max-message-bytes', env: 'RESTMQ_MAX_MESSAGE_BYTES', defaultValue: 1_048_576, help: 'largest message value in bytes', parse: integer(1, 64 * 1_048_576) }),
  setting({ key: 'logLevel', flag: 'log-level', env: 'RESTMQ_LOG_LEVEL', defaultValue: 'info', help: 'fatal, error, warn, info, debug, trace or silent', parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent') }),
  setting({ key: 'shutdownTimeoutMs', flag: 'shutdown-timeout-ms', env: 'RESTMQ_SHUTDOWN_TIMEOUT_MS', defaultValue: 10_000, help: 'how long SIGTERM waits for requests in flight, ms', parse: integer(0, 600_000) }),
  setting({ key: 'streamBufferBytes', flag: 'stream-buffer-bytes', env: 'RESTMQ_STREAM_BUFFER_BYTES', defaultValue: 1_048_576, help: 'unsent bytes a streaming connection may hold before it is skipped (roundrobin) or dropped (broadcast)', parse: integer(1024, 256 * 1_048_576) }),
  setting({ key: 'streamBatchSize', flag: 'stream-batch-size', env: 'RESTMQ_STREAM_BATCH_SIZE', defaultValue: 100, help: 'most messages taken from a queue per store call for streaming', parse: integer(1, 10_000) }),
  setting({ key: 'streamHistoryMessages', flag: 'stream-history-messages', env: 'RESTMQ_STREAM_HISTORY_MESSAGES', defaultValue: 1000, help: 'broadcast history kept per queue for resume, in messages', parse: integer(1, 1_000_000) }),
  setting({ key: 'streamHistorySeconds', flag: 'stream-history-seconds', env: 'RESTMQ_STREAM_HISTORY_SECONDS', defaultValue: 300, help: 'broadcast history kept per queue for resume, in seconds', parse: integer(1, 604_800) }),
  setting({ key: 'sseHeartbeatSeconds', flag: 'sse-heartbeat-seconds', env: 'RESTMQ_SSE_HEARTBEAT_SECONDS', defaultValue: 15, help: 'seconds between SSE comment heartbeats', parse: integer(1, 300) }),
  setting({ key: 'sseRetryMs', flag: 'sse-retry-ms', env: 'RESTMQ_SSE_RETRY_MS', defaultValue: 3000, help: 'reconnect delay suggested to SSE clients (retry:), ms', parse: integer(0, 600_000) }),
  setting({ key: 'wsPingSeconds', flag: 'ws-ping-seconds', env: 'RESTMQ_WS_PING_SECONDS', defaultValue: 30, help: 'seconds between WebSocket pings; a peer silent for two pings is dropped', parse: integer(1, 3600) }),
] as const;

/** The defaults, as one constant. */
export const DEFAULT_CONFIG: Config = Object.fromEntries(SETTINGS.map((s) => [s.key, s.defaultValue])) as unknown as Config;

/** Where each source of settings comes from; `flags` are `--name value` pairs already split. */
export interface ConfigSources {
  readonly flags: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON config file whose keys are flag names (`"data-dir": "/var/lib/restmq"`). */
  readonly file?: string;
}

/** Builds and validates the config; throws {@link ConfigError} naming the bad setting. */
export function loadConfig(sources: ConfigSources): Config {
  const fromFile = sources.file === undefined ? {} : readConfigFile(sources.file);
  const known = new Set<string>(SETTINGS.map((s) => s.flag));
  for (const name of Object.keys(fromFile)) {
    if (!known.has(name)) throw new ConfigError(`unknown setting "${name}" in ${sources.file ?? ''}`);
  }
  for (const name of Object.keys(sources.flags)) {
    if (!known.has(name)) throw new ConfigError(`unknown flag --${name}`);
  }
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    let value: unknown = s.defaultValue;
    if (s.flag in fromFile) value = s.parse(fromFile[s.flag], `"${s.flag}" in ${sources.file ?? ''}`);
    const env = sources.env[s.env];
    if (env !== undefined && env !== '') value = s.parse(env, s.env);
    const flag = sources.flags[s.flag];
    if (flag !== undefined) value = s.parse(flag, `--${s.flag}`);
    out[s.key] = value;
  }
  return out as unknown as Config;
}

function readConfigFile(path: string): Record<string, unknown> {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`config file ${path} cannot be read: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`config file ${path} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** The `restmq serve --help` text, generated from SETTINGS. */
export function serveHelp(): string {
  const lines = [
    'Usage: restmq serve [options]',
    '',
    'Serves RestMQ over HTTP. Each option can also be set by its environment variable or',
    'in a JSON file given with --config FILE (keys are the option names, e.g. "data-dir").',
    'Precedence: defaults < config file < environment < flags.',
    '',
    'Options:',
  ];
  for (const s of SETTINGS) {
    lines.push(`  --${s.flag} <value>`.padEnd(34) + `${s.help} [default: ${String(s.defaultValue)}] (${s.env})`);
  }
  lines.push('  --config <file>'.padEnd(34) + 'JSON config file (RESTMQ_CONFIG)');
  lines.push('  -h, --help'.padEnd(34) + 'show this help');
  return lines.join('\n');
}
