/**
 * The MD5 digests SQS answers beside a message, computed as AWS documents them, because
 * SDKs recompute and compare them: the body's MD5 over its UTF-8 bytes.
 */
import { createHash } from 'node:crypto';

/** MD5 (hex) of a message body's UTF-8 bytes: `MD5OfMessageBody` and `MD5OfBody`. */
export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}
