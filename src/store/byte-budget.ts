/**
 * The byte budget of one answer, shared by the stores: how many of the oldest messages fit
 * when their values may total at most `maxBytes` UTF-8 bytes. The oldest always fits, so a
 * message stored under a larger max-message-bytes can still be delivered, alone.
 */
import { at } from '../core/checked.js';

/** How many leading entries of `sizes` (value bytes, oldest first) fit in `maxBytes`. */
export function fittingCount(sizes: readonly number[], maxBytes: number | undefined): number {
  if (maxBytes === undefined) return sizes.length;
  let total = 0;
  for (let i = 0; i < sizes.length; i++) {
    total += at(sizes, i);
    if (i > 0 && total > maxBytes) return i;
  }
  return sizes.length;
}
