/**
 * One load phase through `wrk` (one thread, a process of its own). autocannon runs in Node
 * on the same cores as the daemon and caps a fast route such as `/healthz`, which flatters
 * every ratio to it; wrk is C and costs far less CPU per request. Method, headers and body
 * go in a Lua script; its `response` callback counts every status, so a pop phase that
 * reached an empty queue (204, a 2xx) is visible, and its `done` callback prints one JSON
 * line the bench parses.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one wrk phase sends (a subset of the autocannon spec: no sequences, no request count). */
export interface WrkSpec {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly connections: number;
  readonly seconds: number;
  /**
   * Lua appended to the script, for requests that depend on earlier answers: it may define
   * `request()` (then method, headers and body above are unused) and
   * `on_response(status, headers, body)`, called after the status is counted; a string it
   * returns is counted as a tag (e.g. `acked`), reported in {@link WrkResult.tags}.
   */
  readonly lua?: string;
}

/** What wrk measured; latencies in ms. */
export interface WrkResult {
  /** Seconds wrk ran (its own clock). */
  readonly seconds: number;
  readonly statuses: Record<string, number>;
  /** Answers counted by the tag the extra Lua's `on_response` returned. */
  readonly tags: Record<string, number>;
  /** Connect, read and write errors. */
  readonly errors: number;
  readonly timeouts: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}

/** Marks the JSON line of the `done` callback among wrk's own output. */
const MARK = 'RESTMQ_WRK_JSON ';

/** A Lua string literal holding `text` byte for byte (every byte but letters and digits as `\ddd`). */
function luaString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += /[A-Za-z0-9]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `\\${byte.toString().padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** The Lua script of one phase: the request, a status count per thread, a JSON summary at the end. */
export function wrkScript(spec: Pick<WrkSpec, 'method' | 'body' | 'headers' | 'lua'>): string {
  const lines = [`wrk.method = ${luaString(spec.method)}`];
  if (spec.body !== undefined) lines.push(`wrk.body = ${luaString(spec.body)}`);
  for (const [name, value] of Object.entries(spec.headers ?? {})) lines.push(`wrk.headers[${luaString(name)}] = ${luaString(value)}`);
  lines.push(
    'local threads = {}',
    'function setup(thread) table.insert(threads, thread) end',
    'counts = {}',
    'tags = {}',
    'function response(status, headers, body)',
    '  counts[status] = (counts[status] or 0) + 1',
    '  if on_response then',
    '    local tag = on_response(status, headers, body)',
    '    if type(tag) == "string" then tags[tag] = (tags[tag] or 0) + 1 end',
    '  end',
    'end',
    'function done(summary, latency, requests)',
    '  local merged, tagged = {}, {}',
    '  for _, t in ipairs(threads) do',
    '    for status, n in pairs(t:get("counts")) do merged[status] = (merged[status] or 0) + n end',
    '    for tag, n in pairs(t:get("tags")) do tagged[tag] = (tagged[tag] or 0) + n end',
    '  end',
    '  local parts, tagParts = {}, {}',
    '  for status, n in pairs(merged) do table.insert(parts, string.format(\'"%d":%d\', status, n)) end',
    '  for tag, n in pairs(tagged) do table.insert(tagParts, string.format(\'"%s":%d\', tag, n)) end',
    '  local e = summary.errors',
    `  io.write(string.format('${MARK}{"durationUs":%d,"errors":%d,"timeouts":%d,"p50Us":%d,"p99Us":%d,"meanUs":%f,"statuses":{%s},"tags":{%s}}\\n',`,
    '    summary.duration, e.connect + e.read + e.write, e.timeout,',
    '    latency:percentile(50), latency:percentile(99), latency.mean, table.concat(parts, ","), table.concat(tagParts, ",")))',
    'end',
  );
  if (spec.lua !== undefined) lines.push(spec.lua);
  return `${lines.join('\n')}\n`;
}

interface WrkJson {
  durationUs: number;
  errors: number;
  timeouts: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
  statuses: Record<string, number>;
  tags: Record<string, number>;
}

function isWrkJson(value: unknown): value is WrkJson {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const numbers = ['durationUs', 'errors', 'timeouts', 'p50Us', 'p99Us', 'meanUs'].every((k) => typeof v[k] === 'number');
  const counts = (x: unknown): boolean => typeof x === 'object' && x !== null && Object.values(x).every((n) => typeof n === 'number');
  return numbers && counts(v.statuses) && counts(v.tags);
}

/** Reads the `done` callback's line out of wrk's stdout. */
export function parseWrkOutput(stdout: string): WrkResult {
  const line = stdout.split('\n').find((l) => l.startsWith(MARK));
  if (line === undefined) throw new Error(`wrk printed no summary line:\n${stdout}`);
  const parsed: unknown = JSON.parse(line.slice(MARK.length));
  if (!isWrkJson(parsed)) throw new Error(`wrk summary line has an unexpected shape: ${line}`);
  return {
    seconds: parsed.durationUs / 1e6,
    statuses: parsed.statuses,
    tags: parsed.tags,
    errors: parsed.errors,
    timeouts: parsed.timeouts,
    p50: parsed.p50Us / 1000,
    p99: parsed.p99Us / 1000,
    mean: parsed.meanUs / 1000,
  };
}

function hasWrk(): boolean {
  return spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status === 0;
}

let ensured: string | null = null;

/**
 * Makes sure `wrk` is on the PATH: as root with apt-get, installs it (`apt-get install -y wrk`,
 * after one `apt-get update` if the first attempt fails); otherwise throws saying how.
 * Returns wrk's version line.
 */
export function ensureWrk(log: (message: string) => void): string {
  if (ensured !== null) return ensured;
  if (!hasWrk()) {
    const root = process.getuid?.() === 0;
    const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
    if (!root || !apt) throw new Error('the bench drives HTTP load with wrk, which is not installed: run `sudo apt-get install -y wrk` (or build it from https://github.com/wg/wrk) and try again');
    log('wrk is missing: apt-get install -y wrk ...');
    const install = (): boolean => spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
    if (!install()) {
      spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (!install() || !hasWrk()) throw new Error('apt-get install -y wrk failed; install wrk by hand and try again');
    }
  }
  // `wrk -v` prints its version and exits 1.
  const version = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  ensured = (`${version.stdout}${version.stderr}`.split('\n')[0] ?? 'wrk').replace(/ Copyright.*/, '').trim();
  return ensured;
}

/** What {@link runWrk} resolves with: the figures and the pid wrk ran as. */
export interface WrkRun {
  readonly result: WrkResult;
  readonly pid: number;
}

/** Runs `wrk -t1 -c<connections> -d<seconds>s --latency --timeout 10s -s <script> <url>`. */
export async function runWrk(spec: WrkSpec, onStart?: (pid: number) => void): Promise<WrkRun> {
  const dir = mkdtempSync(join(tmpdir(), 'restmq-wrk-'));
  try {
    const script = join(dir, 'phase.lua');
    writeFileSync(script, wrkScript(spec));
    const args = ['-t1', `-c${spec.connections}`, `-d${Math.max(1, Math.round(spec.seconds))}s`, '--latency', '--timeout', '10s', '-s', script, spec.url];
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid === undefined) throw new Error('wrk did not start');
    onStart?.(pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c) => resolve(c));
    });
    if (code !== 0) throw new Error(`wrk ${args.join(' ')} exited ${String(code)}: ${stderr}${stdout}`);
    return { result: parseWrkOutput(stdout), pid };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
