/**
 * Raw Redis, measured with the `redis-benchmark` that ships with redis-server: the floor a
 * Redis-backed queue is compared with. LPUSH and RPOP are what a list-based queue costs
 * per message, with and without pipelining, on the same redis-server the daemon uses.
 */
import { spawn } from 'node:child_process';
import { redisCommand } from '../../test/support/redis.js';

/** Requests per second redis-benchmark reported for each command. */
export interface RedisBenchmarkResult {
  readonly lpush: number;
  readonly rpop: number;
}

/** Reads `LPUSH: 81699.35 requests per second, ...` lines of `redis-benchmark -q` (progress lines end in `\r`). */
export function parseRedisBenchmark(output: string): RedisBenchmarkResult {
  const rates = new Map<string, number>();
  for (const line of output.split(/[\r\n]/)) {
    const match = /^\s*([A-Z]+): ([\d.]+) requests per second/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) rates.set(match[1], Number(match[2]));
  }
  const lpush = rates.get('LPUSH');
  const rpop = rates.get('RPOP');
  if (lpush === undefined || rpop === undefined || !(lpush > 0) || !(rpop > 0)) {
    throw new Error(`redis-benchmark printed no LPUSH/RPOP rates: ${output.slice(-500)}`);
  }
  return { lpush, rpop };
}

/** How one redis-benchmark run is shaped. */
export interface RedisBenchmarkOptions {
  readonly port: number;
  /** Requests per command (`-n`). */
  readonly requests: number;
  /** Parallel connections (`-c`). */
  readonly clients: number;
  /** Commands per pipeline (`-P`); 1 is no pipelining. */
  readonly pipeline: number;
}

/** Runs `redis-benchmark -t lpush,rpop -q` against 127.0.0.1:`port` (RPOP drains what LPUSH pushed). */
export function runRedisBenchmark(options: RedisBenchmarkOptions): Promise<RedisBenchmarkResult> {
  const args = ['-h', '127.0.0.1', '-p', String(options.port), '-t', 'lpush,rpop', '-n', String(options.requests), '-c', String(options.clients), '-P', String(options.pipeline), '-q'];
  return new Promise((resolve, reject) => {
    const child = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      out += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`redis-benchmark exited with ${String(code)}: ${out.slice(-500)}`));
      else {
        try {
          resolve(parseRedisBenchmark(out));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
    });
  });
}

/** Calls per command name from `INFO commandstats` (commands run inside scripts count too). */
export async function commandStats(port: number): Promise<Map<string, number>> {
  const text = String(await redisCommand(port, 'INFO', 'commandstats'));
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1] ?? '', Number(m[2]));
  return out;
}

/** Connection chatter, not work done for a request. */
const IGNORED = new Set(['info', 'ping', 'client', 'client|setname', 'client|info', 'select', 'hello', 'script|load', 'script', 'subscribe', 'psubscribe']);

/** `2.37 commands/op (evalsha=0.063, hset=1.000, ...)`: the commands Redis ran between two snapshots, per operation. */
export function commandsPerOp(before: Map<string, number>, after: Map<string, number>, ops: number): string {
  const parts: string[] = [];
  let total = 0;
  for (const [name, calls] of after) {
    if (IGNORED.has(name)) continue;
    const d = calls - (before.get(name) ?? 0);
    if (d <= 0) continue;
    total += d;
    parts.push(`${name}=${(d / ops).toFixed(2)}`);
  }
  return ops > 0 ? `${(total / ops).toFixed(2)} Redis commands/op (${parts.sort().join(', ')})` : 'no operations';
}
