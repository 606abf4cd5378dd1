/**
 * Lease receipts, made in one place so that every way of leasing (the REST and JSON
 * receive, leased streaming consumers) hands out receipts of the same shape and strength.
 */
import { randomBytes } from 'node:crypto';

/** Random bytes per receipt: 144 bits. */
const RECEIPT_BYTES = 18;
/** Receipts drawn from the CSPRNG at once: one `randomBytes` call per 512 receipts instead of one per lease. */
const POOL_RECEIPTS = 512;

let pool = Buffer.alloc(0);
let used = 0;

/**
 * Fresh, unguessable lease receipts (144 random bits each), base64url. The bytes come from
 * a pool filled by `randomBytes` and each byte is handed out once: a call per lease cost
 * about 1 µs per receipt, most of it the call itself.
 */
export function makeReceipts(count: number): string[] {
  const need = RECEIPT_BYTES * count;
  if (used + need > pool.length) {
    pool = randomBytes(Math.max(need, RECEIPT_BYTES * POOL_RECEIPTS));
    used = 0;
  }
  const receipts = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    receipts[i] = pool.toString('base64url', used, used + RECEIPT_BYTES);
    used += RECEIPT_BYTES;
  }
  return receipts;
}
