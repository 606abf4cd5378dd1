/**
 * Lease receipts, made in one place so that every way of leasing (the REST and JSON
 * receive, leased streaming consumers) hands out receipts of the same shape and strength.
 */
import { randomBytes } from 'node:crypto';

/** Fresh, unguessable lease receipts (144 random bits each), base64url. */
export function makeReceipts(count: number): string[] {
  const bytes = randomBytes(18 * count);
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * 18, (i + 1) * 18).toString('base64url'));
}
