/**
 * Test support for access control: write an acl file, start a server on either store with
 * it, send requests as a given principal, and open streams and WebSockets far enough to
 * read whether they were admitted.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import type { Config } from '../../src/config.js';
import { hashPassword, hashToken } from '../../src/access/secrets.js';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { startTestServer, tempDir } from '../support/server.js';
import type { TestServer } from '../support/server.js';

/** The stores every access test runs on. */
export const STORES = ['sqlite', 'redis'] as const;
/** One of {@link STORES}. */
export type StoreName = (typeof STORES)[number];

/** A server with an acl file, on one store. */
export interface AclServer {
  readonly server: TestServer;
  readonly aclFile: string;
  stop(): Promise<void>;
}

/** Writes `text` to a fresh acl file and returns its path. */
export function writeAcl(text: string, dir = tempDir('restmq-acl-')): string {
  const file = join(dir, 'acl.conf');
  writeFileSync(file, text);
  return file;
}

/** Starts a server with `aclText` on `store`; Redis gets its own redis-server. */
export async function startAclServer(store: StoreName, aclText: string | null, overrides: Partial<Config> = {}, logger?: Logger): Promise<AclServer> {
  const aclFile = aclText === null ? '' : writeAcl(aclText);
  let redis: RedisProcess | null = null;
  if (store === 'redis') redis = await startRedis();
  const server = await startTestServer(
    { acl: aclText === null ? null : aclFile, ...(redis === null ? {} : { redisUrl: redis.url }), ...overrides },
    logger === undefined ? {} : { logger },
  );
  return {
    server,
    aclFile,
    async stop() {
      await server.stop();
      await redis?.stop();
    },
  };
}

/** A pino logger whose lines are collected as parsed objects. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}

/** The Authorization header of HTTP Basic. */
export function basic(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

/** The Authorization header of a bearer token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Opens a streaming GET, reads its status and closes it at once. */
export async function streamStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const status = res.status;
  abort.abort();
  await res.body?.cancel().catch(() => undefined);
  return status;
}

/** Tries a WebSocket upgrade; resolves with 101 and the open socket, or the refusal's status. */
export function wsOpen(url: string, headers: Record<string, string> = {}): Promise<{ status: number; socket: WebSocket | null }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => resolve({ status: 101, socket }));
    socket.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, socket: null });
      res.resume();
      socket.terminate();
    });
    socket.once('error', (err) => reject(err));
  });
}

/** Sends one frame and resolves with the next text frame the server sends back. */
export function wsAsk(socket: WebSocket, frame: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
    socket.send(JSON.stringify(frame));
  });
}

/** A `[token:NAME]` section of acl.conf for `token` with `queues` patterns and `allow` rights. */
export function tokenSection(name: string, token: string, queues: string, allow: string): string {
  return `[token:${name}]\nsha256 = ${hashToken(token)}\nqueues = ${queues}\nallow = ${allow}\n`;
}

/** A `[user:NAME]` section of acl.conf with an scrypt hash of `password`. */
export async function userSection(name: string, password: string, queues: string, allow: string): Promise<string> {
  return `[user:${name}]\npassword_hash = ${await hashPassword(password)}\nqueues = ${queues}\nallow = ${allow}\n`;
}
