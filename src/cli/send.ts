/**
 * `restmq send QUEUE [VALUE]`: one value, or one message per line of stdin or `--file`,
 * sent through the batch publish API (each batch stored all or nothing) with progress on
 * stderr. Lines are streamed, so a file larger than memory is fine.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { BatchEntry, RestMQClient } from '../client/index.js';
import { ConfigError } from '../config.js';
import { MAX_BATCH_BYTES, MAX_BATCH_ENTRIES } from '../core/limits.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { intOption, positionals, textOption } from './args.js';
import { startProgress } from './progress.js';
import type { ProgressOutput } from './progress.js';

/** The options of `send`. */
export const SEND_OPTIONS: readonly OptionSpec[] = [
  { name: 'file', short: 'f', kind: 'value' },
  { name: 'ttl', kind: 'value' },
  { name: 'delay', kind: 'value' },
  { name: 'dedup', kind: 'value' },
  { name: 'group', kind: 'value' },
  { name: 'batch', kind: 'value' },
];

/** Entries per batch unless `--batch` says. */
export const DEFAULT_BATCH = 100;

/** Value bytes per batch: well under the server's {@link MAX_BATCH_BYTES}, so a batch is never refused for its size alone. */
const BATCH_BYTES = Math.floor(MAX_BATCH_BYTES / 4);

/** Where `send` reads and writes. */
export interface SendIo {
  readonly stdin: Readable;
  readonly stdout: ProgressOutput;
  readonly stderr: ProgressOutput;
}

/** Counts the lines of a file (a last line without a newline counts), for the progress bar's total. */
async function countLines(path: string): Promise<number> {
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1] as number;
  }
  return last === 0x0a ? lines : lines + 1;
}

/** Runs `send`; resolves with the exit code. */
export async function sendCommand(client: RestMQClient, args: ParsedArgs, io: SendIo): Promise<number> {
  const [queue, value] = positionals(args, 1, 2, 'restmq send QUEUE [VALUE] [--file F] [--ttl S] [--delay S] [--dedup ID] [--group G] [--batch N]') as [string, string | undefined];
  const ttl = intOption(args, 'ttl', 1, 31_536_000);
  const delay = intOption(args, 'delay', 0, 604_800);
  const dedup = textOption(args, 'dedup');
  const group = textOption(args, 'group');
  const file = textOption(args, 'file');
  const batchSize = intOption(args, 'batch', 1, MAX_BATCH_ENTRIES) ?? DEFAULT_BATCH;
  if (value !== undefined && value !== '-') {
    if (file !== undefined) throw new ConfigError('give either VALUE or --file, not both');
    const published = await client.publish(queue, value, { ttl, delay, dedup, group });
    io.stdout.write(`${published.key}${published.duplicate ? ' (duplicate: nothing stored)' : ''}\n`);
    return 0;
  }
  if (dedup !== undefined) throw new ConfigError('--dedup is for one VALUE; lines from stdin or a file have none');
  const total = file === undefined ? null : await countLines(file).catch((err: unknown) => {
    throw new ConfigError(`--file ${file} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  });
  const input = file === undefined ? io.stdin : createReadStream(file);
  const progress = startProgress(io.stderr, `messages sent to ${queue}`, total);
  let sent = 0;
  let duplicates = 0;
  const keys: { first: string | null; last: string | null } = { first: null, last: null };
  let batch: BatchEntry[] = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const published = await client.publishBatch(queue, batch);
    for (const p of published) if (p.duplicate) duplicates++;
    keys.first ??= published[0]?.key ?? null;
    keys.last = published[published.length - 1]?.key ?? keys.last;
    sent += batch.length;
    batch = [];
    bytes = 0;
    progress.update(sent);
  };
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (line === '') continue; // an empty line is no message
      const size = Buffer.byteLength(line);
      if (batch.length > 0 && bytes + size > BATCH_BYTES) await flush();
      batch.push(ttl === undefined && delay === undefined && group === undefined ? line : { value: line, ttl, delay, group });
      bytes += size;
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    progress.finish();
  }
  const { first, last } = keys;
  const range = first === null ? '' : first === last ? ` (${first})` : ` (${first} .. ${String(last)})`;
  io.stdout.write(`sent ${sent} messages to ${queue}${range}${duplicates > 0 ? `, ${duplicates} duplicates stored nothing` : ''}\n`);
  return 0;
}
