/**
 * Checked element access. With `noUncheckedIndexedAccess` an index read is `T | undefined`;
 * where the code knows the index is in range (a loop bound, a reply shape it checked), this
 * says so once and fails loudly if it is wrong, instead of an unchecked `as T` cast that
 * would let `undefined` travel on.
 */

/** `items[index]`, or an Error naming `what` when the index is out of range. */
export function at<T>(items: readonly T[], index: number, what = 'element'): T {
  const item = items[index];
  if (item === undefined) throw new Error(`${what} ${index} is missing (length ${items.length})`);
  return item;
}
