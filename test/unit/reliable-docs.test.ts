// Keeps docs/reliable-delivery.md and the catalog in step for the reliable-delivery codes:
// every code the doc's table lists exists with the same status, and every code this
// feature added is in the table.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CATALOG } from '../../src/core/errors.js';

const RELIABLE_CODES = [
  'invalid_lease',
  'invalid_delay',
  'invalid_wait',
  'invalid_count',
  'invalid_receipt',
  'invalid_dedup_id',
  'invalid_group',
  'invalid_batch',
  'batch_too_large',
  'invalid_config',
  'stale_receipt',
  'lease_expired',
  'queue_full',
  'message_not_found',
] as const;

describe('docs/reliable-delivery.md error table', () => {
  const doc = readFileSync(new URL('../../docs/reliable-delivery.md', import.meta.url), 'utf8');
  const table = doc.slice(doc.indexOf('## Error codes'));
  const rows = new Map<string, number>();
  for (const match of table.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)) rows.set(match[1] as string, Number(match[2]));

  it('lists every reliable-delivery code with its catalog status', () => {
    for (const code of RELIABLE_CODES) {
      assert.equal(rows.get(code), ERROR_CATALOG[code].status, code);
    }
  });

  it('lists only codes of the catalog', () => {
    for (const [code, status] of rows) {
      assert.ok(code in ERROR_CATALOG, `${code} is not in the catalog`);
      assert.equal(ERROR_CATALOG[code as keyof typeof ERROR_CATALOG].status, status, code);
    }
  });
});
