// The two SQS wire protocols as bytes on a socket: the query protocol (forms, XML answers
// and errors) posted to `/` with a SigV4 header or to a queue URL, the JSON protocol's
// error shape (`__type`, `x-amzn-query-error`, request id), and RestMQ's own `POST /`
// left as it was beside them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { sqsQueueName } from './helpers.js';

/** Every `<name>` element's text in `xml`. */
function all(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1] as string);
}

const SIGNED = { 'x-amz-date': '20260101T000000Z' };

describe('SQS query protocol', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  const query = (fields: Record<string, string>, path = '/', headers: Record<string, string> = SIGNED): Promise<Response> =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });

  it('creates, sends, receives and deletes with XML answers', async () => {
    const name = sqsQueueName();
    const created = await query({ Action: 'CreateQueue', QueueName: name, 'Attribute.1.Name': 'VisibilityTimeout', 'Attribute.1.Value': '60', Version: '2012-11-05' });
    assert.equal(created.status, 200);
    assert.match(created.headers.get('content-type') ?? '', /xml/);
    const xml = await created.text();
    const url = all(xml, 'QueueUrl')[0] as string;
    assert.equal(url, `${server.url}/000000000000/${name}`);
    assert.match(xml, /<CreateQueueResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><CreateQueueResult>/);
    assert.equal(all(xml, 'RequestId').length, 1);

    // To the queue URL itself, unsigned: the path names the queue.
    const path = `/000000000000/${name}`;
    const sent = await (await query({ Action: 'SendMessage', MessageBody: 'a & <b>', DelaySeconds: '0' }, path, {})).text();
    assert.deepEqual(all(sent, 'MD5OfMessageBody'), [createHash('md5').update('a & <b>').digest('hex')]);
    const batch = await (
      await query({ Action: 'SendMessageBatch', QueueUrl: url, 'SendMessageBatchRequestEntry.1.Id': 'x', 'SendMessageBatchRequestEntry.1.MessageBody': 'two', 'SendMessageBatchRequestEntry.2.Id': 'y', 'SendMessageBatchRequestEntry.2.MessageBody': 'three' })
    ).text();
    assert.deepEqual(all(batch, 'Id'), ['x', 'y']);
    assert.match(batch, /<SendMessageBatchResultEntry><Id>x<\/Id>/);

    const received = await (await query({ Action: 'ReceiveMessage', QueueUrl: url, MaxNumberOfMessages: '10', 'AttributeName.1': 'All' })).text();
    assert.deepEqual(all(received, 'Body'), ['a &#38; &#60;b&#62;', 'two', 'three']);
    assert.match(received, /<Attribute><Name>ApproximateReceiveCount<\/Name><Value>1<\/Value><\/Attribute>/);
    const handles = all(received, 'ReceiptHandle');
    const deleted = await query({ Action: 'DeleteMessageBatch', QueueUrl: url, ...Object.fromEntries(handles.flatMap((h, i) => [[`DeleteMessageBatchRequestEntry.${i + 1}.Id`, `d${i}`], [`DeleteMessageBatchRequestEntry.${i + 1}.ReceiptHandle`, h]])) });
    assert.deepEqual(all(await deleted.text(), 'Id'), ['d0', 'd1', 'd2']);

    const attributes = await (await query({ Action: 'GetQueueAttributes', QueueUrl: url, 'AttributeName.1': 'VisibilityTimeout' })).text();
    assert.match(attributes, /<Attribute><Name>VisibilityTimeout<\/Name><Value>60<\/Value><\/Attribute>/);
    const listed = await (await query({ Action: 'ListQueues', QueueNamePrefix: name })).text();
    assert.deepEqual(all(listed, 'QueueUrl'), [url]);
    const tagged = await query({ Action: 'TagQueue', QueueUrl: url, 'Tag.1.Key': 'k', 'Tag.1.Value': 'v' });
    assert.match(await tagged.text(), /<TagQueueResponse [^>]*><ResponseMetadata>/);
    assert.match(await (await query({ Action: 'ListQueueTags', QueueUrl: url })).text(), /<Tag><Key>k<\/Key><Value>v<\/Value><\/Tag>/);
  });

  it('answers errors as XML ErrorResponse with the query code', async () => {
    const missing = await query({ Action: 'GetQueueUrl', QueueName: sqsQueueName() });
    assert.equal(missing.status, 400);
    const xml = await missing.text();
    assert.deepEqual(all(xml, 'Code'), ['AWS.SimpleQueueService.NonExistentQueue']);
    assert.deepEqual(all(xml, 'Type'), ['Sender']);
    assert.equal(all(xml, 'RequestId')[0], missing.headers.get('x-amzn-requestid'));
    const unknown = await query({ Action: 'Explode' });
    assert.deepEqual(all(await unknown.text(), 'Code'), ['InvalidAction']);
    const noAction = await query({ QueueName: 'x' }, '/000000000000/x', {});
    assert.deepEqual(all(await noAction.text(), 'Code'), ['MissingParameter']);
    const exists = sqsQueueName();
    await query({ Action: 'CreateQueue', QueueName: exists });
    const again = await query({ Action: 'CreateQueue', QueueName: exists, 'Attribute.1.Name': 'DelaySeconds', 'Attribute.1.Value': '9' });
    assert.deepEqual(all(await again.text(), 'Code'), ['QueueAlreadyExists']);
    const entries: Record<string, string> = {};
    for (let i = 1; i <= 11; i++) Object.assign(entries, { [`SendMessageBatchRequestEntry.${i}.Id`]: `e${i}`, [`SendMessageBatchRequestEntry.${i}.MessageBody`]: 'b' });
    const tooMany = await query({ Action: 'SendMessageBatch', QueueUrl: `${server.url}/000000000000/${exists}`, ...entries });
    assert.deepEqual(all(await tooMany.text(), 'Code'), ['AWS.SimpleQueueService.TooManyEntriesInBatchRequest']);
    const otherAccount = await query({ Action: 'SendMessage', MessageBody: 'x' }, `/111111111111/${exists}`, {});
    assert.deepEqual(all(await otherAccount.text(), 'Code'), ['AWS.SimpleQueueService.NonExistentQueue']);
  });

  it('leaves RestMQ POST / alone: a form without SQS headers publishes', async () => {
    const name = sqsQueueName();
    const res = await fetch(`${server.url}/`, { method: 'POST', body: new URLSearchParams({ queue: name, value: 'plain' }) });
    assert.equal(res.status, 200);
    assert.equal((await res.text()).trim(), `${name}:1`);
    const action = await fetch(`${server.url}/`, { method: 'POST', body: new URLSearchParams({ Action: 'ListQueues' }) });
    assert.equal(action.status, 400, 'an unsigned query request to / is RestMQ\'s (no queue argument)');
  });
});

describe('SQS JSON protocol on the wire', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  const call = (target: string, body: string): Promise<Response> =>
    fetch(`${server.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${target}` }, body });

  it('answers errors with __type, x-amzn-query-error and a request id', async () => {
    const res = await call('GetQueueUrl', JSON.stringify({ QueueName: sqsQueueName() }));
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type') ?? '', /^application\/x-amz-json-1\.0/);
    assert.equal(res.headers.get('x-amzn-query-error'), 'AWS.SimpleQueueService.NonExistentQueue;Sender');
    assert.match(res.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(await res.json(), { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' });
  });

  it('refuses an unknown target, a body that is not JSON, and one nested too deep', async () => {
    const unknown = await call('Explode', '{}');
    assert.equal(((await unknown.json()) as { __type: string }).__type, 'com.amazonaws.sqs#UnknownOperationException');
    const bad = await call('ListQueues', '{nope');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { __type: string }).__type, 'com.amazonaws.sqs#SerializationException');
    const deep = await call('ListQueues', `${'['.repeat(200)}${']'.repeat(200)}`);
    assert.equal(((await deep.json()) as { __type: string }).__type, 'com.amazonaws.sqs#SerializationException');
    const asJson = await fetch(`${server.url}/`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-amz-target': 'AmazonSQS.ListQueues' }, body: '{"MaxResults":1}' });
    assert.equal(asJson.status, 200, 'a JSON body sent as application/json is read too');
    const notObject = await call('ListQueues', '[1]');
    assert.equal(((await notObject.json()) as { __type: string }).__type, 'com.amazonaws.sqs#SerializationException');
    const wrongType = await call('ListQueues', JSON.stringify({ MaxResults: 'ten' }));
    assert.equal(((await wrongType.json()) as { __type: string }).__type, 'com.amazonaws.sqs#InvalidParameterValue');
  });

  it('serves RestMQ queue names outside SQS\'s alphabet %-escaped in queue URLs', async () => {
    const name = `${sqsQueueName()}:sub@x`;
    await fetch(`${server.url}/q/${name}`, { method: 'POST', body: new URLSearchParams({ value: 'odd name' }) });
    const res = await call('GetQueueUrl', JSON.stringify({ QueueName: name }));
    const { QueueUrl } = (await res.json()) as { QueueUrl: string };
    assert.equal(QueueUrl, `${server.url}/000000000000/${encodeURIComponent(name)}`);
    const got = await call('ReceiveMessage', JSON.stringify({ QueueUrl }));
    assert.equal(((await got.json()) as { Messages: { Body: string }[] }).Messages[0]?.Body, 'odd name');
  });

  it('keeps at most 50 tags and refuses a key or value past its length', async () => {
    const name = sqsQueueName();
    const { QueueUrl } = (await (await call('CreateQueue', JSON.stringify({ QueueName: name }))).json()) as { QueueUrl: string };
    const tags = (n: number, from = 0): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${from + i}`, 'v']));
    const longKey = await call('TagQueue', JSON.stringify({ QueueUrl, Tags: { ['k'.repeat(129)]: 'v' } }));
    assert.equal(longKey.status, 400);
    assert.equal((await call('TagQueue', JSON.stringify({ QueueUrl, Tags: { ['k'.repeat(128)]: 'v'.repeat(256) } }))).status, 200);
    await call('UntagQueue', JSON.stringify({ QueueUrl, TagKeys: ['k'.repeat(128)] }));
    assert.equal((await call('TagQueue', JSON.stringify({ QueueUrl, Tags: tags(50) }))).status, 200);
    const over = await call('TagQueue', JSON.stringify({ QueueUrl, Tags: tags(1, 50) }));
    assert.equal(((await over.json()) as { __type: string }).__type, 'com.amazonaws.sqs#InvalidParameterValue');
    const longValue = await call('TagQueue', JSON.stringify({ QueueUrl, Tags: { k0: 'v'.repeat(257) } }));
    assert.equal(longValue.status, 400);
  });

  it('builds queue URLs from --sqs-base-url when set', async () => {
    const proxied = await startTestServer({ sqsBaseUrl: 'https://mq.example.com/sqs', sqsAccountId: '123456789012' });
    try {
      const name = sqsQueueName();
      const res = await fetch(`${proxied.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.CreateQueue' }, body: JSON.stringify({ QueueName: name }) });
      assert.deepEqual(await res.json(), { QueueUrl: `https://mq.example.com/sqs/123456789012/${name}` });
      const sent = await fetch(`${proxied.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' }, body: JSON.stringify({ QueueUrl: `https://mq.example.com/sqs/123456789012/${name}`, MessageBody: 'x' }) });
      assert.equal(sent.status, 200);
    } finally {
      await proxied.stop();
    }
  });
});
