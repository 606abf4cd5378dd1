/**
 * One typed config for the daemon. Every setting is declared once in SETTINGS (flag,
 * environment variable, default, help text, parser), which drives `--help`, the README
 * table (test/unit/docs.test.ts keeps them in step) and validation. Precedence:
 * defaults < config file < RESTMQ_* environment < flags.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { MAX_QUEUE_NAME_LENGTH, parseQueueName } from './core/names.js';
import { StoreSettingsError } from './store/factory.js';
import { chooseStore } from './store/open.js';
import type { ChosenStore } from './store/open.js';

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
  /** Log lines: `json` (pino, for machines), `pretty` (one readable line per event) or `auto` (pretty when stdout is a terminal). @default 'auto' */
  readonly logFormat: 'auto' | 'pretty' | 'json';
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
  /** Redis URL `redis://[user:pass@]host:port/db` or `rediss://` (TLS); selects the Redis store. @default null */
  readonly redisUrl: string | null;
  /** Original RestMQ flag: Redis host; selects the Redis store. @default null (127.0.0.1 when only the port is set) */
  readonly redisHost: string | null;
  /** Original RestMQ flag: Redis port; selects the Redis store. @default null (6379 when only the host is set) */
  readonly redisPort: number | null;
  /** Original RestMQ flag: Redis database number (standalone and Sentinel). @default null (0, or the URL's) */
  readonly redisDb: number | null;
  /** Original RestMQ flag: command connections per daemon (ioredis pipelines, so 1 is usually enough). @default 1 */
  readonly redisPool: number;
  /** Redis Cluster seed nodes; selects the Redis store in cluster mode. @default null */
  readonly redisCluster: readonly HostPort[] | null;
  /** Redis Sentinel addresses; selects the Redis store behind Sentinel. @default null */
  readonly redisSentinel: readonly HostPort[] | null;
  /** The master name Sentinel monitors. @default 'mymaster' */
  readonly redisSentinelName: string;
  /** Prefix of every Redis key and channel, to share one Redis between deployments. @default 'restmq:' */
  readonly redisPrefix: string;
  /** Longest wait for Redis (connect or command) before a request answers 503, ms. @default 3000 */
  readonly redisTimeoutMs: number;
  /** The original RestMQ acl.conf (INI) with optional users and tokens; see docs/security.md. @default null (no ACL) */
  readonly acl: string | null;
  /** With no ACL, serve only loopback clients and refuse every other one with 403. @default 'yes' */
  readonly protectedMode: 'yes' | 'no';
  /** Proxies (addresses or CIDR blocks) whose X-Forwarded-For names the client. @default null (trust none) */
  readonly trustProxy: readonly string[] | null;
  /** Origins besides the server's own whose pages may use it (JSONP, forms, WebSocket). @default null (same origin only) */
  readonly allowedOrigins: readonly string[] | null;
  /** Host header names served (DNS rebinding guard); `*` serves any. @default null (from listen and acl; see docs/security.md) */
  readonly allowedHosts: readonly string[] | null;
  /** Origins whose scripts may read answers (CORS); `*` for any, never with credentials. @default null (no CORS) */
  readonly corsOrigins: readonly string[] | null;
  /** JSONP (`callback=`) on or off. @default 'on' */
  readonly jsonp: 'on' | 'off';
  /** PEM certificate (chain) file; with tlsKey, serves HTTPS and WSS on the same port. @default null */
  readonly tlsCert: string | null;
  /** PEM private key file of tlsCert (unencrypted). @default null */
  readonly tlsKey: string | null;
  /** Most value bytes one answer of several messages (`n`, `peek`) holds; at least max-message-bytes. @default 4194304 */
  readonly maxAnswerBytes: number;
  /** Open connections the server keeps at once; more answer 503 `too_many_connections`. @default 16384 */
  readonly maxConnections: number;
  /** Open connections one client address keeps at once; more answer 503 `too_many_connections`. @default 4096 */
  readonly maxConnectionsPerAddress: number;
  /** Time to receive a request's headers, ms. @default 20000 */
  readonly headersTimeoutMs: number;
  /** Time to receive a whole request (headers and body), ms; answers, long polls and streams are not bounded by it. @default 30000 */
  readonly requestTimeoutMs: number;
  /** Idle time after an answer before a keep-alive connection closes, ms. @default 72000 */
  readonly keepAliveTimeoutMs: number;
  /** Requests one keep-alive connection serves before it closes (0: no limit). @default 10000 */
  readonly maxRequestsPerSocket: number;
  /** How long a peer may read nothing of a large answer, or of a full connection with a request or command waiting, before it is cut, ms. @default 30000 */
  readonly sendStallTimeoutMs: number;
  /** Queue that `POST /collectd/data` (collectd's write_http values) publishes to. @default 'collectd_data' */
  readonly collectdDataQueue: string;
  /** Queue that `POST /collectd/event` (collectd's notifications) publishes to. @default 'collectd_event' */
  readonly collectdEventQueue: string;
  /** Port of the syslog input (TCP and UDP on `listen`); 0 picks a free one. @default null (off; the original used 25000) */
  readonly syslogPort: number | null;
  /** Longest syslog message accepted, bytes. @default 8192 */
  readonly syslogMaxLineBytes: number;
  /** Most syslog TCP connections open at once. @default 64 */
  readonly syslogMaxConnections: number;
  /** Seconds a syslog TCP connection may stay silent before it is closed. @default 300 */
  readonly syslogIdleSeconds: number;
  /** Queues with their own `queue` label on /metrics (the deepest); the rest are summed as `_other`. @default 100 */
  readonly metricsQueueLabels: number;
  /** Milliseconds between the dashboard's live stats updates; its hour chart keeps a point every 8 of them. @default 2000 */
  readonly dashboardIntervalMs: number;
  /** Account id in SQS queue URLs and ARNs (`/<account-id>/<queue>`). @default '000000000000' */
  readonly sqsAccountId: string;
  /** Region in SQS queue ARNs. @default 'us-east-1' */
  readonly sqsRegion: string;
  /** Public base URL of SQS queue URLs behind a proxy (`https://mq.example.com`). @default null (from the request's Host) */
  readonly sqsBaseUrl: string | null;
  /**
   * Serving processes sharing the port (`auto`: one per core, at most {@link MAX_WORKERS}).
   * More than one needs a store several processes may share (Redis): see src/workers.ts.
   * @default 1
   */
  readonly workers: number;
}

/** A `host:port` pair from a list setting. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
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

function nullable<T>(parse: (raw: unknown, name: string) => T) {
  return (raw: unknown, name: string): T | null => parse(raw, name);
}

function redisUrl(raw: unknown, name: string): string {
  const value = text(raw, name);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be a URL like redis://[user:pass@]host:port/db (got ${JSON.stringify(raw)})`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`${name} must start with redis:// or rediss:// (got ${JSON.stringify(url.protocol)})`);
  }
  if (url.hostname === '') throw new ConfigError(`${name} needs a host (got ${JSON.stringify(raw)})`);
  if (url.search !== '' || url.hash !== '') throw new ConfigError(`${name} takes no query or fragment (got ${JSON.stringify(raw)})`);
  if (!/^\/?([0-9]{1,5})?$/.test(url.pathname)) {
    throw new ConfigError(`${name}: the path must be a database number, like /0 (got ${JSON.stringify(url.pathname)})`);
  }
  return value;
}

function hostPortList(raw: unknown, name: string): HostPort[] {
  const value = text(raw, name);
  return value.split(',').map((part) => {
    const entry = part.trim();
    const at = entry.lastIndexOf(':');
    const host = at > 0 ? entry.slice(0, at).replace(/^\[(.*)\]$/, '$1') : '';
    const port = at > 0 ? entry.slice(at + 1) : '';
    if (host === '' || !/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      throw new ConfigError(`${name} must be a comma-separated list of host:port (bad entry ${JSON.stringify(entry)})`);
    }
    return { host, port: Number(port) };
  });
}

function redisPrefix(raw: unknown, name: string): string {
  if (typeof raw === 'string' && /^[^\s{}]{0,64}$/.test(raw)) return raw;
  throw new ConfigError(`${name} must be at most 64 characters without spaces or braces (got ${JSON.stringify(raw)})`);
}

function addressList(raw: unknown, name: string): string[] {
  const value = text(raw, name);
  return value.split(',').map((part) => {
    const entry = part.trim();
    const [net, bits, extra] = entry.split('/');
    const family = isIP(net ?? '');
    const max = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (bits !== undefined && (!/^[0-9]{1,3}$/.test(bits) || Number(bits) > max))) {
      throw new ConfigError(`${name} must be a comma-separated list of addresses or CIDR blocks (bad entry ${JSON.stringify(entry)})`);
    }
    return entry;
  });
}

/** `scheme://host[:port]` entries, as browsers send them in `Origin`; `*` alone when `star`. */
function originList(star: boolean) {
  return (raw: unknown, name: string): string[] => {
    const entries = text(raw, name).split(',').map((e) => e.trim().replace(/\/$/, ''));
    if (star && entries.length === 1 && entries[0] === '*') return ['*'];
    return entries.map((entry) => {
      let url: URL | null = null;
      try {
        url = new URL(entry);
      } catch {
        url = null;
      }
      const bare = url !== null && url.pathname === '/' && !entry.endsWith('/') && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
      if (url === null || !bare || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        throw new ConfigError(`${name} must be a comma-separated list of origins like http://host:port${star ? ', or *' : ''} (bad entry ${JSON.stringify(entry)})`);
      }
      return url.origin;
    });
  };
}

/** Host names or IP addresses (no port), or `*` alone. */
function hostList(raw: unknown, name: string): string[] {
  const entries = text(raw, name).split(',').map((e) => e.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1'));
  if (entries.length === 1 && entries[0] === '*') return ['*'];
  for (const entry of entries) {
    if (!/^[a-z0-9]([a-z0-9.-]{0,252})$/.test(entry) && !/^[0-9a-f:.]{2,45}$/.test(entry)) {
      throw new ConfigError(`${name} must be a comma-separated list of host names without ports, or * (bad entry ${JSON.stringify(entry)})`);
    }
  }
  return entries;
}

function queueName(raw: unknown, name: string): string {
  try {
    return parseQueueName(raw);
  } catch {
    throw new ConfigError(`${name} must be a queue name: 1-${MAX_QUEUE_NAME_LENGTH} characters from A-Z a-z 0-9 _ - . : @ (got ${JSON.stringify(raw)})`);
  }
}

function accountId(raw: unknown, name: string): string {
  if (typeof raw === 'string' && /^[0-9]{12}$/.test(raw)) return raw;
  throw new ConfigError(`${name} must be 12 digits, like an AWS account id (got ${JSON.stringify(raw)})`);
}

function region(raw: unknown, name: string): string {
  if (typeof raw === 'string' && /^[a-z0-9-]{1,32}$/.test(raw)) return raw;
  throw new ConfigError(`${name} must be 1-32 characters from a-z 0-9 - (got ${JSON.stringify(raw)})`);
}

function baseUrl(raw: unknown, name: string): string {
  const value = text(raw, name);
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError(`${name} must be an http:// or https:// URL without query, fragment or credentials (got ${JSON.stringify(raw)})`);
  }
  return value.replace(/\/+$/, '');
}

/** The most serving processes `--workers` starts. */
export const MAX_WORKERS = 64;

function workerCount(raw: unknown, name: string): number {
  if (raw === 'auto') return Math.min(MAX_WORKERS, availableParallelism());
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text === 'string' && /^[0-9]+$/.test(text) && Number(text) >= 1 && Number(text) <= MAX_WORKERS) return Number(text);
  throw new ConfigError(`${name} must be a whole number from 1 to ${MAX_WORKERS}, or auto (one per core) (got ${JSON.stringify(raw)})`);
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
  setting({ key: 'logFormat', flag: 'log-format', env: 'RESTMQ_LOG_FORMAT', defaultValue: 'auto', help: 'log lines: json (pino), pretty (one readable line per event) or auto (pretty when stdout is a terminal)', parse: oneOf('auto', 'pretty', 'json') }),
  setting({ key: 'shutdownTimeoutMs', flag: 'shutdown-timeout-ms', env: 'RESTMQ_SHUTDOWN_TIMEOUT_MS', defaultValue: 10_000, help: 'how long SIGTERM waits for requests in flight, ms', parse: integer(0, 600_000) }),
  setting({ key: 'streamBufferBytes', flag: 'stream-buffer-bytes', env: 'RESTMQ_STREAM_BUFFER_BYTES', defaultValue: 1_048_576, help: 'unsent bytes a streaming connection may hold before it is skipped (roundrobin) or dropped (broadcast); also the bound past which any connection\'s next pipelined request or WebSocket command waits', parse: integer(1024, 256 * 1_048_576) }),
  setting({ key: 'streamBatchSize', flag: 'stream-batch-size', env: 'RESTMQ_STREAM_BATCH_SIZE', defaultValue: 100, help: 'most messages taken from a queue per store call for streaming', parse: integer(1, 10_000) }),
  setting({ key: 'streamHistoryMessages', flag: 'stream-history-messages', env: 'RESTMQ_STREAM_HISTORY_MESSAGES', defaultValue: 1000, help: 'broadcast history kept per queue for resume, in messages', parse: integer(1, 1_000_000) }),
  setting({ key: 'streamHistorySeconds', flag: 'stream-history-seconds', env: 'RESTMQ_STREAM_HISTORY_SECONDS', defaultValue: 300, help: 'broadcast history kept per queue for resume, in seconds', parse: integer(1, 604_800) }),
  setting({ key: 'sseHeartbeatSeconds', flag: 'sse-heartbeat-seconds', env: 'RESTMQ_SSE_HEARTBEAT_SECONDS', defaultValue: 15, help: 'seconds between SSE comment heartbeats', parse: integer(1, 300) }),
  setting({ key: 'sseRetryMs', flag: 'sse-retry-ms', env: 'RESTMQ_SSE_RETRY_MS', defaultValue: 3000, help: 'reconnect delay suggested to SSE clients (retry:), ms', parse: integer(0, 600_000) }),
  setting({ key: 'wsPingSeconds', flag: 'ws-ping-seconds', env: 'RESTMQ_WS_PING_SECONDS', defaultValue: 30, help: 'seconds between WebSocket pings; a peer silent for two pings is dropped', parse: integer(1, 3600) }),
  setting({ key: 'redisUrl', flag: 'redis', env: 'RESTMQ_REDIS', defaultValue: null, help: 'use Redis: redis://[user:pass@]host:port/db, or rediss:// for TLS', parse: nullable(redisUrl) }),
  setting({ key: 'redisHost', flag: 'redis-host', env: 'RESTMQ_REDIS_HOST', defaultValue: null, help: 'use Redis at this host (original flag; port 6379 unless --redis-port)', parse: nullable(text) }),
  setting({ key: 'redisPort', flag: 'redis-port', env: 'RESTMQ_REDIS_PORT', defaultValue: null, help: 'use Redis at this port (original flag; host 127.0.0.1 unless --redis-host)', parse: nullable(integer(1, 65535)) }),
  setting({ key: 'redisDb', flag: 'redis-db', env: 'RESTMQ_REDIS_DB', defaultValue: null, help: 'Redis database number (standalone or Sentinel; original flag)', parse: nullable(integer(0, 65535)) }),
  setting({ key: 'redisPool', flag: 'redis-pool', env: 'RESTMQ_REDIS_POOL', defaultValue: 1, help: 'Redis command connections per daemon (original flag). ioredis pipelines every command over one connection, so 1 replaces the original pool of 10; with more, each queue sticks to one of them', parse: integer(1, 64) }),
  setting({ key: 'redisCluster', flag: 'redis-cluster', env: 'RESTMQ_REDIS_CLUSTER', defaultValue: null, help: 'use a Redis Cluster: seed nodes host:port[,host:port...]', parse: nullable(hostPortList) }),
  setting({ key: 'redisSentinel', flag: 'redis-sentinel', env: 'RESTMQ_REDIS_SENTINEL', defaultValue: null, help: 'use Redis behind Sentinel: sentinels host:port[,host:port...]', parse: nullable(hostPortList) }),
  setting({ key: 'redisSentinelName', flag: 'redis-sentinel-name', env: 'RESTMQ_REDIS_SENTINEL_NAME', defaultValue: 'mymaster', help: 'the master name the sentinels monitor', parse: text }),
  setting({ key: 'redisPrefix', flag: 'redis-prefix', env: 'RESTMQ_REDIS_PREFIX', defaultValue: 'restmq:', help: 'prefix of every Redis key and channel, to share one Redis between deployments', parse: redisPrefix }),
  setting({ key: 'redisTimeoutMs', flag: 'redis-timeout-ms', env: 'RESTMQ_REDIS_TIMEOUT_MS', defaultValue: 3000, help: 'longest wait for Redis before a request answers 503, ms', parse: integer(100, 60_000) }),
  setting({ key: 'acl', flag: 'acl', env: 'RESTMQ_ACL', defaultValue: null, help: 'original RestMQ acl.conf file (INI), with optional [user:NAME] and [token:NAME] sections; see docs/security.md', parse: nullable(text) }),
  setting({ key: 'protectedMode', flag: 'protected-mode', env: 'RESTMQ_PROTECTED_MODE', defaultValue: 'yes', help: 'with no --acl, refuse clients that are not on loopback (yes or no)', parse: oneOf('yes', 'no') }),
  setting({ key: 'trustProxy', flag: 'trust-proxy', env: 'RESTMQ_TRUST_PROXY', defaultValue: null, help: 'proxies (addresses or CIDR blocks, comma-separated) whose X-Forwarded-For names the client', parse: nullable(addressList) }),
  setting({ key: 'allowedOrigins', flag: 'allowed-origins', env: 'RESTMQ_ALLOWED_ORIGINS', defaultValue: null, help: 'origins besides the server\'s own whose pages may use it (JSONP, forms, WebSocket): http://host:port[,...]', parse: nullable(originList(false)) }),
  setting({ key: 'allowedHosts', flag: 'allowed-hosts', env: 'RESTMQ_ALLOWED_HOSTS', defaultValue: null, help: 'Host names served besides IP addresses and localhost, or *; none: the listen name (any host when listening beyond loopback with --acl)', parse: nullable(hostList) }),
  setting({ key: 'corsOrigins', flag: 'cors-origins', env: 'RESTMQ_CORS_ORIGINS', defaultValue: null, help: 'origins whose scripts may read answers (CORS): http://host:port[,...], or * (then without credentials)', parse: nullable(originList(true)) }),
  setting({ key: 'jsonp', flag: 'jsonp', env: 'RESTMQ_JSONP', defaultValue: 'on', help: 'JSONP answers to callback=: on (same-origin and allowed origins only) or off', parse: oneOf('on', 'off') }),
  setting({ key: 'tlsCert', flag: 'tls-cert', env: 'RESTMQ_TLS_CERT', defaultValue: null, help: 'serve HTTPS and WSS with this PEM certificate (chain) file; needs --tls-key; SIGHUP re-reads it', parse: nullable(text) }),
  setting({ key: 'tlsKey', flag: 'tls-key', env: 'RESTMQ_TLS_KEY', defaultValue: null, help: 'the PEM private key file of --tls-cert (unencrypted); SIGHUP re-reads it', parse: nullable(text) }),
  setting({ key: 'maxAnswerBytes', flag: 'max-answer-bytes', env: 'RESTMQ_MAX_ANSWER_BYTES', defaultValue: 4_194_304, help: 'most value bytes in one answer of several messages (n=N, peek=N, JSON lease n); a larger one answers fewer messages and says so. Raised to max-message-bytes when lower', parse: integer(1024, 1024 * 1_048_576) }),
  setting({ key: 'maxConnections', flag: 'max-connections', env: 'RESTMQ_MAX_CONNECTIONS', defaultValue: 16_384, help: 'open connections (streams and long polls included); a new one past it answers 503 too_many_connections and closes. Lowered to the open-file limit less 256 when that is smaller', parse: integer(1, 1_000_000) }),
  setting({ key: 'maxConnectionsPerAddress', flag: 'max-connections-per-address', env: 'RESTMQ_MAX_CONNECTIONS_PER_ADDRESS', defaultValue: 4096, help: 'open connections per client address; a new one past it answers 503 too_many_connections and closes', parse: integer(1, 1_000_000) }),
  setting({ key: 'headersTimeoutMs', flag: 'headers-timeout-ms', env: 'RESTMQ_HEADERS_TIMEOUT_MS', defaultValue: 20_000, help: 'time to receive a request\'s headers, ms (at most request-timeout-ms)', parse: integer(100, 3_600_000) }),
  setting({ key: 'requestTimeoutMs', flag: 'request-timeout-ms', env: 'RESTMQ_REQUEST_TIMEOUT_MS', defaultValue: 30_000, help: 'time to receive a whole request, headers and body, ms; answers, long polls and streams are not bounded by it', parse: integer(100, 3_600_000) }),
  setting({ key: 'keepAliveTimeoutMs', flag: 'keep-alive-timeout-ms', env: 'RESTMQ_KEEP_ALIVE_TIMEOUT_MS', defaultValue: 72_000, help: 'idle time after an answer before a keep-alive connection closes, ms', parse: integer(100, 3_600_000) }),
  setting({ key: 'maxRequestsPerSocket', flag: 'max-requests-per-socket', env: 'RESTMQ_MAX_REQUESTS_PER_SOCKET', defaultValue: 10_000, help: 'requests one keep-alive connection serves before it closes (0: no limit)', parse: integer(0, 100_000_000) }),
  setting({ key: 'sendStallTimeoutMs', flag: 'send-stall-timeout-ms', env: 'RESTMQ_SEND_STALL_TIMEOUT_MS', defaultValue: 30_000, help: 'how long a peer may read nothing of an answer larger than stream-buffer-bytes, or of a connection over stream-buffer-bytes while its next pipelined request or WebSocket command waits, before it is cut, ms', parse: integer(100, 3_600_000) }),
  setting({ key: 'collectdDataQueue', flag: 'collectd-data-queue', env: 'RESTMQ_COLLECTD_DATA_QUEUE', defaultValue: 'collectd_data', help: 'queue of POST /collectd/data (collectd write_http values)', parse: queueName }),
  setting({ key: 'collectdEventQueue', flag: 'collectd-event-queue', env: 'RESTMQ_COLLECTD_EVENT_QUEUE', defaultValue: 'collectd_event', help: 'queue of POST /collectd/event (collectd notifications)', parse: queueName }),
  setting({ key: 'syslogPort', flag: 'syslog-port', env: 'RESTMQ_SYSLOG_PORT', defaultValue: null, help: 'accept syslog (TCP and UDP, RFC 3164 and 5424) on this port of --listen into queues syslogd:<sender>; no ACL applies (the original used 25000)', parse: nullable(integer(0, 65535)) }),
  setting({ key: 'syslogMaxLineBytes', flag: 'syslog-max-line-bytes', env: 'RESTMQ_SYSLOG_MAX_LINE_BYTES', defaultValue: 8192, help: 'longest syslog message: a longer one closes its TCP connection, a longer datagram is dropped', parse: integer(480, 65_536) }),
  setting({ key: 'syslogMaxConnections', flag: 'syslog-max-connections', env: 'RESTMQ_SYSLOG_MAX_CONNECTIONS', defaultValue: 64, help: 'most syslog TCP connections open at once; more are closed at once', parse: integer(1, 10_000) }),
  setting({ key: 'syslogIdleSeconds', flag: 'syslog-idle-seconds', env: 'RESTMQ_SYSLOG_IDLE_SECONDS', defaultValue: 300, help: 'seconds a silent syslog TCP connection stays open', parse: integer(1, 86_400) }),
  setting({ key: 'metricsQueueLabels', flag: 'metrics-queue-labels', env: 'RESTMQ_METRICS_QUEUE_LABELS', defaultValue: 100, help: 'queues with their own label on /metrics (the deepest); the rest sum as _other', parse: integer(0, 10_000) }),
  setting({ key: 'dashboardIntervalMs', flag: 'dashboard-interval-ms', env: 'RESTMQ_DASHBOARD_INTERVAL_MS', defaultValue: 2000, help: 'ms between the dashboard\'s live stats updates; its hour chart keeps a point every 8 of them', parse: integer(100, 60_000) }),
  setting({ key: 'sqsAccountId', flag: 'sqs-account-id', env: 'RESTMQ_SQS_ACCOUNT_ID', defaultValue: '000000000000', help: 'account id in SQS queue URLs (http://host/<account-id>/<queue>) and ARNs', parse: accountId }),
  setting({ key: 'sqsRegion', flag: 'sqs-region', env: 'RESTMQ_SQS_REGION', defaultValue: 'us-east-1', help: 'region in SQS queue ARNs', parse: region }),
  setting({ key: 'sqsBaseUrl', flag: 'sqs-base-url', env: 'RESTMQ_SQS_BASE_URL', defaultValue: null, help: 'public base URL of SQS queue URLs behind a proxy (https://mq.example.com); none: from the request\'s Host', parse: nullable(baseUrl) }),
  setting({ key: 'workers', flag: 'workers', env: 'RESTMQ_WORKERS', defaultValue: 1, help: `serving processes sharing the port, 1-${MAX_WORKERS} or auto (one per core); a worker that dies is restarted. More than 1 needs Redis (the SQLite file is owned by one process)`, parse: workerCount }),
] as const;

/** A Config being built, one setting at a time. */
type ConfigDraft = { -readonly [K in keyof Config]?: Config[K] };

/** The value of one setting, typed by its key. */
type ValueOf = <K extends keyof Config>(setting: Setting<K>) => Config[K];

/** Config keys without a setting; `never` when SETTINGS covers them all. */
type Unset = Exclude<keyof Config, (typeof SETTINGS)[number]['key']>;

/** Compiles only when every Config key has a setting. */
const EVERY_KEY_HAS_A_SETTING: [Unset] extends [never] ? true : never = true;

/** Builds a Config from each setting's value, typed by key: no cast, and a missing key fails to compile. */
function buildConfig(valueOf: ValueOf): Config {
  const draft: ConfigDraft = {};
  for (const s of SETTINGS) put(draft, s, valueOf);
  if (!isComplete(draft)) throw new Error('a setting of Config has no value');
  return draft;
}

function put<K extends keyof Config>(draft: ConfigDraft, setting: Setting<K>, valueOf: ValueOf): void {
  draft[setting.key] = valueOf(setting);
}

function isComplete(draft: ConfigDraft): draft is Config {
  return EVERY_KEY_HAS_A_SETTING && SETTINGS.every((s) => s.key in draft);
}

/** The defaults, as one constant. */
export const DEFAULT_CONFIG: Config = buildConfig((s) => s.defaultValue);

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
  const config = buildConfig(<K extends keyof Config>(s: Setting<K>): Config[K] => {
    let value = s.defaultValue;
    if (s.flag in fromFile) value = s.parse(fromFile[s.flag], `"${s.flag}" in ${sources.file ?? ''}`);
    const env = sources.env[s.env];
    if (env !== undefined && env !== '') value = s.parse(env, s.env);
    const flag = sources.flags[s.flag];
    if (flag !== undefined) value = s.parse(flag, `--${s.flag}`);
    return value;
  });
  let store: ChosenStore;
  try {
    store = chooseStore(config); // checks each store's settings against each other
  } catch (err) {
    if (err instanceof StoreSettingsError) throw new ConfigError(err.message);
    throw err;
  }
  if (config.workers > 1 && !store.sharedByProcesses) {
    throw new ConfigError(
      `--workers ${config.workers} needs a store several processes can share, and the ${store.kind} store is owned by one process (it locks its database file; ` +
        'its group commit and wake-ups live in that process). To use more cores, serve from Redis (--redis URL) with --workers N: see docs/operations.md, "Workers"',
    );
  }
  tlsFiles(config); // --tls-cert and --tls-key come together
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError(`--headers-timeout-ms (${config.headersTimeoutMs}) must not exceed --request-timeout-ms (${config.requestTimeoutMs}): headers are part of the request`);
  }
  return config;
}

/** The certificate and key files of HTTPS, named by {@link tlsFiles}. */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

/** The TLS files the config names, or null for plain HTTP; one without the other is refused. */
export function tlsFiles(config: Config): TlsFiles | null {
  if (config.tlsCert === null && config.tlsKey === null) return null;
  if (config.tlsCert === null || config.tlsKey === null) {
    throw new ConfigError(`--tls-cert and --tls-key must be given together (got only ${config.tlsCert === null ? '--tls-key' : '--tls-cert'})`);
  }
  return { cert: config.tlsCert, key: config.tlsKey };
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

/** A setting's default as `--help` and the README show it (`none` for null). */
export function formatDefault(value: unknown): string {
  if (value === null) return 'none';
  if (value === '') return '""';
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
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
    lines.push(`  --${s.flag} <value>`.padEnd(36) + `${s.help} [default: ${formatDefault(s.defaultValue)}] (${s.env})`);
  }
  lines.push('  --config <file>'.padEnd(34) + 'JSON config file (RESTMQ_CONFIG)');
  lines.push('  -h, --help'.padEnd(34) + 'show this help');
  return lines.join('\n');
}
