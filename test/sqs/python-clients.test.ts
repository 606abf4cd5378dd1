// Debian's Python clients against the SQS adapter, on SQLite and on Redis: boto3 walks
// create, send, batch send, receive, release, batch delete, attributes, listing, refusals,
// message attributes (their MD5 checked against the digest moto computes) and delete
// (test/sqs/clients/boto3_walk.py), boto3 makes and uses a FIFO queue (boto3_fifo.py: order,
// a held group, dedup, refusals), and the AWS CLI sends and receives. Both are Debian's
// (/usr/bin/python3 with python3-boto3, /usr/bin/aws), whose botocore (1.29) speaks SQS's
// query protocol: form requests and XML answers; the JSON protocol is driven by the AWS SDK
// for JavaScript in sdk-*.test.ts. The paths are explicit: a python3 or aws first on PATH
// may be another install speaking JSON.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { AWS_ENV, forEachStore, sqsQueueName, stringAttributeDigest } from './helpers.js';

const SCRIPT = fileURLToPath(new URL('./clients/boto3_walk.py', import.meta.url));
const FIFO_SCRIPT = fileURLToPath(new URL('./clients/boto3_fifo.py', import.meta.url));
const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Runs a client as a child process (asynchronously: the server runs in this process) and answers its stdout. */
async function run(command: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(command, args, { encoding: 'utf8', env: { ...process.env, ...AWS_ENV }, timeout: 60_000 });
  return stdout;
}

forEachStore('SQS from Python clients', (server) => {
  it('boto3 walks every common action', async () => {
    const name = sqsQueueName();
    const out = JSON.parse(await run('/usr/bin/python3', [SCRIPT, server().url, name])) as Record<string, unknown>;
    const url = `${server().url}/000000000000/${name}`;
    assert.equal(out.protocol, 'query', "Debian's botocore speaks SQS's query protocol");
    assert.equal(out.url, url);
    assert.equal(out.get_url, url);
    assert.deepEqual(out.sent, { id: `${name}:1`, md5: md5('from boto3 ✓') });
    assert.deepEqual(out.batch, ['a', 'b']);
    assert.deepEqual(out.received, [
      { body: 'from boto3 ✓', md5: md5('from boto3 ✓'), count: '1' },
      { body: 'b1', md5: md5('b1'), count: '1' },
      { body: 'b2', md5: md5('b2'), count: '1' },
    ]);
    assert.deepEqual(out.deleted, ['d0', 'd1']);
    assert.deepEqual(out.attributes, { VisibilityTimeout: '40', ApproximateNumberOfMessages: '1', QueueArn: `arn:aws:sqs:us-east-1:000000000000:${name}` });
    assert.deepEqual(out.listed, [url]);
    assert.equal((out.missing as { status: number }).status, 400);
    assert.equal((out.missing as { class?: string }).class, 'QueueDoesNotExist', 'boto3 raises its QueueDoesNotExist class');
    assert.match((out.missing as { code: string }).code, /^(AWS\.SimpleQueueService\.NonExistentQueue|QueueDoesNotExist)$/);
    assert.match(String(out.repeated_ids), /BatchEntryIdsNotDistinct$/);
    assert.deepEqual(out.attributes_back, { same: true, md5: true });
    // The digest moto's independent implementation (moto.sqs.models.Message.attribute_md5)
    // computes for the same four attributes, String, Number, Binary and a custom type.
    assert.equal(out.attribute_md5, 'cf3534790285a5e3a151f08c6e2ea989', 'MD5OfMessageAttributes equals moto\'s digest');
    const trace = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';
    assert.equal(out.trace_md5, stringAttributeDigest('AWSTraceHeader', trace), 'MD5OfMessageSystemAttributes as AWS documents it');
    assert.deepEqual(out.trace_back, [trace], 'AWSTraceHeader sent and received over the query protocol');
  });

  it('boto3 creates a FIFO queue and sends and receives in group order with dedup', async () => {
    const name = `${sqsQueueName()}.fifo`;
    const out = JSON.parse(await run('/usr/bin/python3', [FIFO_SCRIPT, server().url, name])) as Record<string, unknown>;
    const seq = (n: number): string => String(n).padStart(20, '0');
    assert.equal(out.protocol, 'query');
    assert.equal(out.no_fifo_attribute, 'InvalidParameterValue', 'a .fifo name without FifoQueue');
    assert.deepEqual(out.attributes, { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    assert.deepEqual(out.sequence, [seq(1), seq(2), seq(3)]);
    assert.deepEqual(out.repeat, { same_id: true, same_sequence: true }, 'the same body within the window is a repeat');
    assert.equal(out.batch_sequence, seq(4));
    assert.equal(out.missing_group, 'MissingParameter');
    assert.equal(out.delay, 'InvalidParameterValue');
    assert.deepEqual(out.first, [['a1', 'a', seq(1)]]);
    assert.deepEqual(out.while_held, ['b1'], 'group a is held while a1 is in flight');
    assert.deepEqual(out.rest, [['a2', sha256('a2')], ['a3', 'x-1']]);
  });

  it('the AWS CLI creates a queue, sends and receives', async () => {
    const name = sqsQueueName();
    const endpoint = ['--endpoint-url', server().url, '--output', 'json'];
    const { QueueUrl } = JSON.parse(await run('/usr/bin/aws', [...endpoint, 'sqs', 'create-queue', '--queue-name', name])) as { QueueUrl: string };
    assert.equal(QueueUrl, `${server().url}/000000000000/${name}`);
    const sent = JSON.parse(await run('/usr/bin/aws', [...endpoint, 'sqs', 'send-message', '--queue-url', QueueUrl, '--message-body', 'from the CLI'])) as { MD5OfMessageBody: string };
    assert.equal(sent.MD5OfMessageBody, md5('from the CLI'));
    const got = JSON.parse(await run('/usr/bin/aws', [...endpoint, 'sqs', 'receive-message', '--queue-url', QueueUrl, '--wait-time-seconds', '1'])) as { Messages: { Body: string; ReceiptHandle: string }[] };
    assert.equal(got.Messages[0]?.Body, 'from the CLI');
    await run('/usr/bin/aws', [...endpoint, 'sqs', 'delete-message', '--queue-url', QueueUrl, '--receipt-handle', got.Messages[0]?.ReceiptHandle ?? '']);
    const empty = await run('/usr/bin/aws', [...endpoint, 'sqs', 'receive-message', '--queue-url', QueueUrl]);
    assert.equal(empty.trim(), '');
  });
});
