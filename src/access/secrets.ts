/**
 * Secrets of the ACL file: bearer tokens are stored as their SHA-256 (a token is random and
 * long, so a fast hash is enough), passwords as scrypt (slow on purpose, salted). Every
 * comparison is constant-time, so timing does not tell an attacker how much of a guess
 * was right.
 */
import { at } from '../core/checked.js';
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Prefix of tokens made by `restmq acl add-token`, so a leaked one is easy to recognise. */
export const TOKEN_PREFIX = 'rmq_';

/** scrypt cost parameters of new password hashes (N = 2^14, r = 8, p = 1: about 50 ms, 16 MB). */
export const SCRYPT_PARAMS = { N: 16_384, r: 8, p: 1 } as const;

const SCRYPT_KEY_BYTES = 32;
const SCRYPT_FORMAT = /^scrypt\$([0-9]{1,7})\$([0-9]{1,3})\$([0-9]{1,3})\$([A-Za-z0-9+/=]{8,64})\$([A-Za-z0-9+/=]{16,128})$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A new random bearer token (256 bits), shown once and never stored. */
export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** The SHA-256 (lower-case hex) that `[token:NAME]` stores for `token`. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when `text` is a SHA-256 in lower-case hex, as `sha256 =` must be. */
export function isTokenHash(text: string): boolean {
  return SHA256_HEX.test(text);
}

/** True when `text` has the `scrypt$N$r$p$salt$hash` shape `password_hash =` must have. */
export function isPasswordHash(text: string): boolean {
  const m = SCRYPT_FORMAT.exec(text);
  if (m === null) return false;
  const n = Number(m[1]);
  // N must be a power of two above 1; r*p bounded so a hostile file cannot make checks cost minutes.
  return n > 1 && (n & (n - 1)) === 0 && n <= 1_048_576 && Number(m[2]) >= 1 && Number(m[3]) >= 1 && Number(m[2]) * Number(m[3]) <= 64;
}

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number, keyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyBytes, { N, r, p, maxmem: 256 * N * r + 1_048_576 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The `password_hash =` line value for `password`: `scrypt$N$r$p$salt$hash` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = SCRYPT_PARAMS;
  const key = await scryptAsync(password, salt, N, r, p, SCRYPT_KEY_BYTES);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `password` matches `encoded` (a {@link hashPassword} result); runs off the event loop. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const m = SCRYPT_FORMAT.exec(encoded);
  if (m === null || !isPasswordHash(encoded)) return false;
  const expected = Buffer.from(at(m, 5), 'base64');
  const key = await scryptAsync(password, Buffer.from(at(m, 4), 'base64'), Number(m[1]), Number(m[2]), Number(m[3]), expected.length);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Constant-time equality of two secrets of any length (both are hashed to one size first). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
