/**
 * Receipt handles: a message's key and its lease receipt in one opaque token, so that
 * DeleteMessage and ChangeMessageVisibility find the lease without any state of their own.
 */
import { parseKey } from '../core/names.js';
import { SqsError } from './errors.js';

const RECEIPT = /^[A-Za-z0-9_-]{8,64}$/;

/** The handle of the lease `receipt` on the message `key`. */
export function receiptHandle(key: string, receipt: string): string {
  return Buffer.from(`${key}|${receipt}`, 'utf8').toString('base64url');
}

/** Key and receipt of a handle given for `queue`; `ReceiptHandleIsInvalid` when it is not one of this queue's. */
export function openReceiptHandle(handle: string, queue: string): { key: string; receipt: string } {
  const invalid = new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle.slice(0, 100)}" is not a valid receipt handle.`);
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(handle)) throw invalid;
  const text = Buffer.from(handle, 'base64url').toString('utf8');
  const bar = text.lastIndexOf('|');
  const key = text.slice(0, bar);
  const receipt = text.slice(bar + 1);
  if (bar <= 0 || !RECEIPT.test(receipt)) throw invalid;
  try {
    if (parseKey(key).queue !== queue) throw invalid;
  } catch {
    throw invalid;
  }
  return { key, receipt };
}
