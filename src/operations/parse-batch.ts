/**
 * Parses a batch publish body: a JSON array of values, or of objects with `value`, `ttl`,
 * `delay`, `dedup` and `group`. The whole batch is checked before anything is stored, and an error
 * names the entry, so one bad entry stores none.
 */
import type { PublishInput } from '../core/broker.js';
import { RestMQError } from '../core/errors.js';
import { MAX_BATCH_BYTES, MAX_BATCH_ENTRIES } from '../core/limits.js';
import { parseDedupId, parseDelay, parseDocumentValue, parseGroup, parseJson, parseTtl } from './parse.js';

const ENTRY_FIELDS = new Set(['value', 'ttl', 'delay', 'dedup', 'group']);

function entry(raw: unknown): PublishInput {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'value' in raw) {
    const fields = raw as Record<string, unknown>;
    for (const name of Object.keys(fields)) {
      if (!ENTRY_FIELDS.has(name)) throw new RestMQError('invalid_batch', `unknown field ${JSON.stringify(name).slice(0, 64)}; entries take value, ttl, delay, dedup, group`);
    }
    return {
      value: parseDocumentValue(fields.value),
      ttlSeconds: parseTtl(fields.ttl),
      delaySeconds: parseDelay(fields.delay),
      dedupId: parseDedupId(fields.dedup),
      group: parseGroup(fields.group),
    };
  }
  if (raw === null) throw new RestMQError('missing_value');
  return { value: parseDocumentValue(raw), ttlSeconds: null };
}

/** The entries of a batch body (`application/json` text), or a catalog error naming the bad entry. */
export function parseBatch(body: unknown): PublishInput[] {
  if (typeof body !== 'string') throw new RestMQError('unsupported_media_type', 'send the batch as an application/json array');
  const parsed = parseJson(body);
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > MAX_BATCH_ENTRIES) {
    throw new RestMQError('invalid_batch', `batch must be a JSON array of 1 to ${MAX_BATCH_ENTRIES} entries`);
  }
  let bytes = 0;
  return (parsed as unknown[]).map((raw, i) => {
    let input: PublishInput;
    try {
      input = entry(raw);
    } catch (err) {
      if (err instanceof RestMQError) throw new RestMQError(err.code, `batch entry ${i}: ${err.message}`);
      throw err;
    }
    bytes += Buffer.byteLength(input.value, 'utf8');
    if (bytes > MAX_BATCH_BYTES) throw new RestMQError('batch_too_large', `batch values pass ${MAX_BATCH_BYTES} bytes at entry ${i}`);
    return input;
  });
}
