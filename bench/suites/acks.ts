/**
 * At-least-once consumers that ack in bulk, the rows RabbitMQ's acking consumer is
 * compared with: leases of 10 per request acked with one `POST /q/<q>/ack`, and a leased
 * WebSocket consumer (`/ws/<q>?lease=S`) that acks each message by command frame. Both
 * count messages leased and acked per second.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { LoadSpec } from '../lib/load.js';

/** Messages leased per request in the batch-ack phase. */
export const LEASE_BATCH = 10;

/**
 * Lease `n=10`, then ack the ten with one `POST /q/<q>/ack`, in wrk's Lua: each lease
 * answer queues its ack body; a connection ready to send takes a queued ack if there is
 * one, else a new lease. Tags: `leased` per lease answer of 10, `acked` per ack answer
 * that acked all 10 (`ackshort` otherwise, which fails the row).
 */
export function batchAckLoad(url: string, queue: string, connections: number, seconds: number): LoadSpec {
  const lua = [
    'local pending = {}',
    'function request()',
    '  local p = table.remove(pending)',
    `  if p then return wrk.format("POST", "/q/${queue}/ack", { ["Content-Type"] = "application/json" }, p) end`,
    `  return wrk.format("GET", "/q/${queue}?lease=60&n=${LEASE_BATCH}")`,
    'end',
    'function on_response(status, headers, body)',
    '  if status ~= 200 or body == nil then return end',
    '  if body:sub(1, 1) == "[" then',
    '    local parts = {}',
    '    for key, receipt in body:gmatch(\'"key":"([^"]+)".-"receipt":"([^"]+)"\') do',
    '      parts[#parts + 1] = \'{"key":"\' .. key .. \'","receipt":"\' .. receipt .. \'"}\'',
    '    end',
    `    if #parts == ${LEASE_BATCH} then`,
    '      table.insert(pending, "[" .. table.concat(parts, ",") .. "]")',
    '      return "leased"',
    '    end',
    '    return "leaseshort"',
    '  end',
    '  local n = body:match(\'"acked":(%d+)\')',
    `  if n then if tonumber(n) == ${LEASE_BATCH} then return "acked" else return "ackshort" end end`,
    'end',
  ].join('\n');
  return { url: `${url}/q/${queue}?lease=60&n=${LEASE_BATCH}`, connections, seconds, wrkLua: lua };
}

/** What the WebSocket consumers did. */
export interface WsAckResult {
  /** Acks answered `acked: true`, per second. */
  readonly rate: number;
  readonly acked: number;
  /** Command answers that were errors (stale, expired), and frames that were neither. */
  readonly refused: number;
  readonly seconds: number;
}

/**
 * `consumers` WebSocket consumers of `/ws/<queue>?lease=60`, each acking every message it
 * receives with a `{"cmd":"ack"}` frame, for `seconds`; counts the acks answered.
 */
export async function wsLeasedAcks(url: string, queue: string, consumers: number, seconds: number): Promise<WsAckResult> {
  let acked = 0;
  let refused = 0;
  let counting = false;
  const sockets = await Promise.all(
    Array.from({ length: consumers }, async () => {
      const ws = new WebSocket(`${url.replace('http://', 'ws://')}/ws/${queue}?lease=60`);
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      ws.on('error', () => undefined);
      ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as { key?: string; receipt?: string; acked?: boolean; error?: unknown };
        if (typeof frame.receipt === 'string' && typeof frame.key === 'string') {
          ws.send(JSON.stringify({ cmd: 'ack', key: frame.key, receipt: frame.receipt }));
        } else if (frame.acked === true) {
          if (counting) acked += 1;
        } else if (counting) {
          refused += 1;
        }
      });
      return ws;
    }),
  );
  await sleep(500); // warm-up, not counted: a benchmark pause, not a test's wait
  counting = true;
  const started = performance.now();
  await sleep(seconds * 1000);
  counting = false;
  const elapsed = (performance.now() - started) / 1000;
  for (const ws of sockets) ws.terminate();
  return { rate: acked / elapsed, acked, refused, seconds: elapsed };
}
