/**
 * Reads what a client presents as credentials, in one place for every route: HTTP Basic or
 * a Bearer token in `Authorization`; `?access_token=` for browsers' EventSource and
 * WebSocket, which cannot set headers; and, on WebSocket routes, the original's cookie
 * `auth=username:password`; and an AWS Signature Version 4 on routes that verify one.
 */
import { at } from '../../core/checked.js';
import type { FastifyRequest } from 'fastify';
import type { Credentials } from '../../access/policy.js';
import { routeInfo } from '../route-info.js';

/** The scheme of AWS Signature Version 4. */
const SIGV4 = 'AWS4-HMAC-SHA256 ';

/** Longest secret read from a request; anything longer cannot match and is refused unread. */
const MAX_SECRET_LENGTH = 1024;

function basic(encoded: string): Credentials {
  if (encoded.length > MAX_SECRET_LENGTH * 2 || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return { kind: 'malformed' };
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { kind: 'malformed' };
  return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function bearer(token: string): Credentials {
  if (token === '' || token.length > MAX_SECRET_LENGTH) return { kind: 'malformed' };
  return { kind: 'bearer', token };
}

function cookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}

/** The request's credentials; `websocket` also accepts the original's `auth` cookie. */
export function readCredentials(request: FastifyRequest, websocket: boolean): Credentials {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith(SIGV4) === true) {
    // Only a route that verifies signatures (the SQS routes) may take one; elsewhere it would admit unverified.
    if (routeInfo(request).config.sigv4 !== true) return { kind: 'malformed' };
    const id = /Credential=([A-Z0-9]{16,128})\//.exec(authorization);
    return id === null ? { kind: 'malformed' } : { kind: 'sigv4', accessKeyId: id[1] as string };
  }
  if (authorization !== undefined) {
    const m = /^([A-Za-z]+) +(.*)$/.exec(authorization.trim());
    if (m === null) return { kind: 'malformed' };
    const scheme = at(m, 1).toLowerCase();
    if (scheme === 'basic') return basic(at(m, 2).trim());
    if (scheme === 'bearer') return bearer(at(m, 2).trim());
    return { kind: 'malformed' };
  }
  const query = request.query as Record<string, unknown> | undefined;
  const accessToken = query?.access_token;
  if (accessToken !== undefined) return typeof accessToken === 'string' ? bearer(accessToken) : { kind: 'malformed' };
  if (websocket) {
    const auth = cookie(request.headers.cookie, 'auth');
    if (auth !== undefined) {
      const colon = auth.indexOf(':');
      if (colon < 0 || auth.length > MAX_SECRET_LENGTH) return { kind: 'malformed' };
      return { kind: 'basic', username: auth.slice(0, colon), password: auth.slice(colon + 1) };
    }
  }
  return { kind: 'none' };
}
