/**
 * AWS Signature Version 4, verified: the request's canonical form is rebuilt from what
 * arrived (method, path, query, the signed headers, the body's SHA-256) and signed with
 * the access key's secret; the result must equal the client's signature. Used only with an
 * ACL (with none, any signature is accepted, as the docs say).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SqsError } from './errors.js';

/** How far a request's X-Amz-Date may be from the server's clock (AWS's own window). */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

/** The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header. */
export interface SignatureHeader {
  readonly accessKeyId: string;
  /** `<date>/<region>/<service>/aws4_request`. */
  readonly scope: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** What a signature is checked against. */
export interface SignedRequest {
  readonly method: string;
  /** The request target as sent (path and query, still %-encoded). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

function incomplete(reason: string): SqsError {
  return new SqsError('IncompleteSignature', `The request signature does not conform to AWS standards: ${reason}`);
}

/** Reads the Authorization header; `IncompleteSignature` when a part is missing. */
export function parseSignatureHeader(header: string): SignatureHeader {
  const fields = new Map<string, string>();
  for (const part of header.replace(/^AWS4-HMAC-SHA256\s+/, '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential')?.split('/') ?? [];
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential.length !== 5 || credential[4] !== 'aws4_request') throw incomplete('Credential must be <key>/<date>/<region>/<service>/aws4_request.');
  if (signedHeaders === undefined || signedHeaders === '') throw incomplete('SignedHeaders is missing.');
  if (signature === undefined || !/^[0-9a-f]{64}$/.test(signature)) throw incomplete('Signature must be 64 hex digits.');
  const [accessKeyId, date, region, service] = credential as [string, string, string, string, string];
  return { accessKeyId, scope: credential.slice(1).join('/'), date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** RFC 3986 encoding as SigV4 wants it (everything but unreserved characters). */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'));
  } catch {
    return text;
  }
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const name = eq < 0 ? p : p.slice(0, eq);
      const value = eq < 0 ? '' : p.slice(eq + 1);
      return [uriEncode(safeDecode(name)), uriEncode(safeDecode(value))] as const;
    })
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join('&');
}

function headerValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined.trim().replace(/\s+/g, ' ');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The signature SigV4 gives `request` under `secret` (hex). */
export function expectedSignature(request: SignedRequest, parsed: SignatureHeader, secret: string): string {
  const q = request.url.indexOf('?');
  const path = q < 0 ? request.url : request.url.slice(0, q);
  const query = q < 0 ? '' : request.url.slice(q + 1);
  // Services other than S3 encode each path segment twice: once by the client, once here.
  const canonicalPath = path.split('/').map((segment) => uriEncode(segment)).join('/') || '/';
  const canonicalHeaders = parsed.signedHeaders.map((name) => `${name}:${headerValue(request.headers[name])}\n`).join('');
  const amzDate = headerValue(request.headers['x-amz-date']);
  const payloadHash = createHash('sha256').update(request.body).digest('hex');
  const canonical = [request.method, canonicalPath, canonicalQuery(query), canonicalHeaders, parsed.signedHeaders.join(';'), payloadHash].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, parsed.scope, createHash('sha256').update(canonical, 'utf8').digest('hex')].join('\n');
  const key = ['aws4_request'].reduce((k, part) => hmac(k, part), hmac(hmac(hmac(`AWS4${secret}`, parsed.date), parsed.region), parsed.service));
  return hmac(key, toSign).toString('hex');
}

/** Parses an X-Amz-Date (`20260101T000000Z`) as ms since the epoch, or NaN. */
function amzTime(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m === null ? NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** Throws the AWS error for a signature that does not verify under `secret`, or one too old or too new. */
export function verifySignature(request: SignedRequest, parsed: SignatureHeader, secret: string, now: number): void {
  const amzDate = headerValue(request.headers['x-amz-date']);
  if (!parsed.signedHeaders.includes('host')) throw incomplete('the host header must be signed.');
  if (!parsed.signedHeaders.includes('x-amz-date') || amzDate === '') throw incomplete('X-Amz-Date must be sent and signed.');
  const time = amzTime(amzDate);
  if (Number.isNaN(time) || !amzDate.startsWith(parsed.date)) throw incomplete('X-Amz-Date must match the date of the credential scope.');
  if (Math.abs(time - now) > MAX_CLOCK_SKEW_MS) throw new SqsError('RequestExpired', `Signature expired: ${amzDate} is more than 15 minutes from the server's time.`);
  const expected = Buffer.from(expectedSignature(request, parsed, secret), 'utf8');
  const given = Buffer.from(parsed.signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new SqsError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
}
