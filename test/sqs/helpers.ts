/**
 * Test support for the SQS adapter: a server on each store (SQLite, and Redis on its own
 * redis-server), AWS SDK clients pointed at it, and a waiter on a condition.
 */
import { createHash } from 'node:crypto';
import { after, before, describe } from 'node:test';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startRedis } from '../support/redis.js';
import type { RedisProcess } from '../support/redis.js';
import { startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import type { Config } from '../../src/config.js';

/** Environment for AWS clients run as child processes: fixed keys, no files, no metadata service. */
export const AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PAGER: '',
};

/** An SQS client of the AWS SDK for `server`, with `maxAttempts` 1 so refusals surface at once. */
export function sqsClient(server: { url: string }, credentials = { accessKeyId: AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: AWS_ENV.AWS_SECRET_ACCESS_KEY }): SQSClient {
  return new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
}

/** An SQS queue name unique to this test (SQS names: letters, digits, - and _). */
export function sqsQueueName(prefix = 'q'): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The stores every SQS behaviour is tested on. */
export const STORES = ['sqlite', 'redis'] as const;

/**
 * Runs `suite` once per store inside a describe of its own; `get()` answers that store's
 * server once `before` ran.
 */
export function forEachStore(title: string, suite: (get: () => TestServer) => void, overrides: Partial<Config> = {}): void {
  for (const store of STORES) {
    describe(`${title} (${store})`, () => {
      let server: TestServer | undefined;
      let redis: RedisProcess | undefined;
      before(async () => {
        if (store === 'redis') redis = await startRedis();
        server = await startTestServer({ ...overrides, ...(redis === undefined ? {} : { redisUrl: redis.url }) });
      });
      after(async () => {
        await server?.stop();
        await redis?.stop();
      });
      suite(() => {
        if (server === undefined) throw new Error('the server is not started yet');
        return server;
      });
    });
  }
}

/** Polls `check` (without sleeping a fixed time) until it is true or `ms` pass. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The digest AWS documents for one String attribute ("calculating the MD5 message digest"),
 * written out here apart from src/sqs: name and type length-prefixed, 1 for a string, then
 * the value length-prefixed. Tests compare `MD5OfMessageSystemAttributes` of an
 * `AWSTraceHeader` with it.
 */
export function stringAttributeDigest(name: string, value: string): string {
  const prefixed = (text: string): Buffer[] => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return [length, bytes];
  };
  return createHash('md5').update(Buffer.concat([...prefixed(name), ...prefixed('String'), Buffer.from([1]), ...prefixed(value)])).digest('hex');
}
