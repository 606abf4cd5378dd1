// SQS with an ACL: requests must carry an AWS Signature Version 4 of an access key the
// ACL defines ([key:NAME]), and the key's queue patterns and rights apply. Signed by the
// AWS SDK itself (JSON protocol) and by the SDK's own signer (@smithy/signature-v4) for
// query-protocol forms; wrong secrets, unknown keys, stale dates, missing rights and an
// AWS signature presented to a RestMQ route are all refused. On SQLite and Redis.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { it } from 'node:test';
import { CreateQueueCommand, DeleteMessageCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { SignatureV4 } from '@smithy/signature-v4';
import { writeAcl } from '../access/helpers.js';
import { forEachStore, sqsClient } from './helpers.js';

const PRODUCER = { accessKeyId: 'AKIAPRODUCER00000001', secretAccessKey: 'producer-secret-0123456789' };
const READER = { accessKeyId: 'AKIAREADER0000000001', secretAccessKey: 'reader-secret-0123456789ab' };

const ACL = `
[key:producer]
access_key_id = ${PRODUCER.accessKeyId}
secret_access_key = ${PRODUCER.secretAccessKey}
queues = sig-*
allow = produce admin

[key:reader]
access_key_id = ${READER.accessKeyId}
secret_access_key = ${READER.secretAccessKey}
queues = sig-*
allow = consume
`;

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 for the SDK's signer, from node:crypto (HMAC when given a secret). */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
  reset(): void {
    throw new Error('not used');
  }
}

async function refusal(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('the request was not refused');
}

forEachStore(
  'SQS signatures with an ACL',
  (server) => {
    /** A query-protocol form to `/`, signed by the SDK's signer; `at` moves the signing time. */
    async function signedForm(fields: Record<string, string>, credentials: { accessKeyId: string; secretAccessKey: string }, at = new Date()): Promise<Response> {
      const url = new URL(server().url);
      const body = new URLSearchParams(fields).toString();
      const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'sqs', sha256: Sha256 });
      const signed = await signer.sign(
        { method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: { Version: '2012-11-05' }, headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' }, body },
        { signingDate: at },
      );
      return fetch(`${server().url}/?Version=2012-11-05`, { method: 'POST', headers: signed.headers, body });
    }

    it('admits a key for its queues and rights: the producer sends, the reader receives and deletes', async () => {
      const producer = sqsClient(server(), PRODUCER);
      const reader = sqsClient(server(), READER);
      const { QueueUrl } = await producer.send(new CreateQueueCommand({ QueueName: 'sig-orders' }));
      await producer.send(new SendMessageCommand({ QueueUrl, MessageBody: 'signed' }));
      const { Messages } = await reader.send(new ReceiveMessageCommand({ QueueUrl }));
      assert.equal(Messages?.[0]?.Body, 'signed');
      await reader.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages?.[0]?.ReceiptHandle }));
    });

    it('refuses a right the key lacks and a queue outside its patterns with AccessDenied', async () => {
      const reader = sqsClient(server(), READER);
      const producer = sqsClient(server(), PRODUCER);
      const QueueUrl = `${server().url}/000000000000/sig-orders`;
      assert.deepEqual(await refusal(reader.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }))), { name: 'AccessDenied', status: 403 });
      assert.deepEqual(await refusal(producer.send(new CreateQueueCommand({ QueueName: 'other' }))), { name: 'AccessDenied', status: 403 });
    });

    it('ListQueues shows a key only the queues it may consume', async () => {
      const listed = async (credentials: typeof PRODUCER): Promise<string[]> => (await sqsClient(server(), credentials).send(new ListQueuesCommand({}))).QueueUrls ?? [];
      assert.deepEqual(await listed(READER), [`${server().url}/000000000000/sig-orders`]);
      assert.equal(await refusal(sqsClient(server(), PRODUCER).send(new ListQueuesCommand({}))).then((r) => r.name), 'AccessDenied', 'a key without consume anywhere may not list');
    });

    it('refuses a wrong secret, an unknown key and no signature', async () => {
      const wrong = sqsClient(server(), { accessKeyId: PRODUCER.accessKeyId, secretAccessKey: 'not-the-secret-0000000000' });
      assert.deepEqual(await refusal(wrong.send(new CreateQueueCommand({ QueueName: 'sig-x' }))), { name: 'SignatureDoesNotMatch', status: 403 });
      const unknown = sqsClient(server(), { accessKeyId: 'AKIAUNKNOWN000000001', secretAccessKey: 'whatever-secret-000000000' });
      assert.deepEqual(await refusal(unknown.send(new CreateQueueCommand({ QueueName: 'sig-x' }))), { name: 'InvalidClientTokenId', status: 403 });
      const unsigned = await fetch(`${server().url}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' }, body: '{}' });
      assert.equal(unsigned.status, 403);
      assert.equal(((await unsigned.json()) as { __type: string }).__type, 'com.amazonaws.sqs#MissingAuthenticationToken');
    });

    it('verifies query-protocol forms signed by the SDK signer, and refuses a stale or altered one', async () => {
      const ok = await signedForm({ Action: 'SendMessage', QueueUrl: `${server().url}/000000000000/sig-orders`, MessageBody: 'form & more' }, PRODUCER);
      assert.equal(ok.status, 200, await ok.clone().text());
      assert.match(await ok.text(), /<MD5OfMessageBody>/);
      const stale = await signedForm({ Action: 'ListQueues' }, PRODUCER, new Date(Date.now() - 3_600_000));
      assert.equal(stale.status, 400);
      assert.match(await stale.text(), /<Code>RequestExpired<\/Code>/);
      // The same signature over a different body does not verify.
      const url = new URL(server().url);
      const signer = new SignatureV4({ credentials: PRODUCER, region: 'us-east-1', service: 'sqs', sha256: Sha256 });
      const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: {}, headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListQueues' });
      const altered = await fetch(`${server().url}/`, { method: 'POST', headers: signed.headers, body: 'Action=PurgeQueue&QueueUrl=x' });
      assert.equal(altered.status, 403);
      assert.match(await altered.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    });

    it('an AWS signature opens no RestMQ route', async () => {
      const header = `AWS4-HMAC-SHA256 Credential=${PRODUCER.accessKeyId}/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
      const res = await fetch(`${server().url}/q/sig-orders`, { method: 'POST', headers: { authorization: header }, body: new URLSearchParams({ value: 'sneaky' }) });
      assert.equal(res.status, 401);
    });

    it('bad signatures count as failed authentications: enough of them lock the address out (run last)', async () => {
      const wrong = sqsClient(server(), { accessKeyId: PRODUCER.accessKeyId, secretAccessKey: 'not-the-secret-0000000000' });
      let last = '';
      for (let i = 0; i < 20 && last !== 'RequestThrottled'; i++) last = (await refusal(wrong.send(new CreateQueueCommand({ QueueName: 'sig-x' })))).name;
      assert.equal(last, 'RequestThrottled');
      assert.equal((await refusal(sqsClient(server(), PRODUCER).send(new CreateQueueCommand({ QueueName: 'sig-x' })))).name, 'RequestThrottled', 'the right key waits too');
    });
  },
  { acl: writeAcl(ACL) },
);
