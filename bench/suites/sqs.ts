/**
 * The SQS API's cost beside RestMQ's own publish, on one SQLite daemon (`--sync full`):
 * SendMessage (JSON protocol, unsigned, as with no ACL), SendMessageBatch of 10 × 64 B, and
 * ReceiveMessage (10) followed by DeleteMessageBatch of what it got, each beside `POST /q`
 * measured in the same run. Target (issue 10): SendMessage at least 0.8× of `POST /q`.
 */
import { startCliServer } from '../../test/support/cli-server.js';
import { describeLoad, runLoad } from '../lib/load.js';
import type { LoadResult, LoadSpec } from '../lib/load.js';
import type { BenchContext, BenchRow, BenchSuite } from '../lib/types.js';
import { PAYLOAD } from './http.js';

const QUEUE = 'bench-sqs';
const JSON_TYPE = 'application/x-amz-json-1.0';

function sqs(url: string, action: string, body: unknown, connections: number, seconds: number): LoadSpec {
  return { url: `${url}/`, method: 'POST', headers: { 'content-type': JSON_TYPE, 'x-amz-target': `AmazonSQS.${action}` }, body: JSON.stringify(body), connections, seconds };
}

/** wrk Lua: ReceiveMessage (10), then DeleteMessageBatch of the handles it answered; tags count messages. */
function receiveDeleteLua(queueUrl: string): string {
  const headers = (action: string): string => `{["content-type"]="${JSON_TYPE}", ["x-amz-target"]="AmazonSQS.${action}"}`;
  return [
    'local pending = {}',
    `local receive = '${JSON.stringify({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 })}'`,
    'function request()',
    '  local p = table.remove(pending)',
    `  if p then return wrk.format("POST", "/", ${headers('DeleteMessageBatch')}, p) end`,
    `  return wrk.format("POST", "/", ${headers('ReceiveMessage')}, receive)`,
    'end',
    'function on_response(status, headers, body)',
    '  if status ~= 200 or body == nil then return end',
    '  local entries, n = {}, 0',
    '  for h in body:gmatch(\'"ReceiptHandle":"([^"]+)"\') do',
    '    n = n + 1',
    '    table.insert(entries, string.format(\'{"Id":"e%d","ReceiptHandle":"%s"}\', n, h))',
    '  end',
    `  if n > 0 then table.insert(pending, '{"QueueUrl":"${queueUrl}","Entries":[' .. table.concat(entries, ",") .. ']}') return "received" .. n end`,
    '  local ok = 0',
    '  for _ in body:gmatch(\'"Id":"e%d+"\') do ok = ok + 1 end',
    '  if ok > 0 then return "deleted" .. ok end',
    '  return "empty"',
    'end',
  ].join('\n');
}

/** Messages counted by tags `<prefix><n>`. */
function tagged(r: LoadResult, prefix: string): number {
  return Object.entries(r.tags).reduce((sum, [tag, n]) => (tag.startsWith(prefix) ? sum + Number(tag.slice(prefix.length)) * n : sum), 0);
}

/** SQS actions beside POST /q on SQLite --sync full. */
export const sqsSuite: BenchSuite = {
  id: 'sqs',
  description: 'SQS SendMessage, SendMessageBatch (10 × 64 B) and ReceiveMessage + DeleteMessageBatch beside POST /q, SQLite --sync full',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const server = await startCliServer({ dataDir: ctx.tempDir('sqs'), sync: 'full' });
    try {
      const created = await fetch(`${server.url}/`, { method: 'POST', headers: { 'content-type': JSON_TYPE, 'x-amz-target': 'AmazonSQS.CreateQueue' }, body: JSON.stringify({ QueueName: QUEUE }) });
      const { QueueUrl } = (await created.json()) as { QueueUrl: string };
      const { connections, seconds } = ctx;
      const watch = [{ label: 'daemon', pid: server.pid }];
      const phase = async (label: string, spec: LoadSpec): Promise<LoadResult> => {
        ctx.log(`sqs: ${label} ...`);
        const r = await runLoad({ ...spec, watch });
        ctx.log(`sqs: ${label}: ${Math.round(r.rps)} req/s, ${describeLoad(r)}`);
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`sqs ${label}: ${describeLoad(r)}`);
        return r;
      };
      const post: LoadSpec = { url: `${server.url}/q/${QUEUE}`, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `value=${PAYLOAD}`, connections, seconds };
      const send = sqs(server.url, 'SendMessage', { QueueUrl, MessageBody: PAYLOAD }, connections, seconds);
      const batch = sqs(server.url, 'SendMessageBatch', { QueueUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: PAYLOAD })) }, connections, seconds);
      await runLoad({ ...post, seconds: 1 });
      await runLoad({ ...send, seconds: 1 });
      // Alternated, so a neighbour's load on the shared machine falls on both alike.
      const post1 = await phase('POST /q (1)', post);
      const send1 = await phase('SendMessage (1)', send);
      const post2 = await phase('POST /q (2)', post);
      const send2 = await phase('SendMessage (2)', send);
      const batched = await phase('SendMessageBatch 10 × 64 B', batch);
      const drain = await phase('ReceiveMessage + DeleteMessageBatch', { url: `${server.url}/`, connections, seconds, wrkLua: receiveDeleteLua(QueueUrl) });
      const received = tagged(drain, 'received');
      const deleted = tagged(drain, 'deleted');
      if (received === 0 || deleted === 0 || received - deleted > connections * 10) throw new Error(`sqs drain: ${received} received but ${deleted} deleted`);
      const baseline = (post1.rps + post2.rps) / 2;
      const baselineName = 'POST /q req/s';
      const wall = drain.host.seconds;
      return [
        { suite: 'sqs', name: 'publish POST /q (form, 64 B)', figure: baseline, unit: 'req/s', baselineName, baseline, note: `runs ${Math.round(post1.rps)} and ${Math.round(post2.rps)} req/s; ${describeLoad(post2)}` },
        {
          suite: 'sqs',
          name: 'SQS SendMessage (JSON, 64 B)',
          figure: (send1.rps + send2.rps) / 2,
          unit: 'req/s',
          baselineName,
          baseline,
          target: { kind: 'ratio-at-least', value: 0.8 },
          note: `runs ${Math.round(send1.rps)} and ${Math.round(send2.rps)} req/s; ${describeLoad(send2)}`,
        },
        { suite: 'sqs', name: 'SQS SendMessageBatch (10 × 64 B)', figure: batched.rps * 10, unit: 'msg/s', baselineName, baseline, note: `${Math.round(batched.rps)} req/s; ${describeLoad(batched)}` },
        {
          suite: 'sqs',
          name: 'SQS ReceiveMessage (10) + DeleteMessageBatch',
          figure: deleted / wall,
          unit: 'msg/s',
          baselineName,
          baseline,
          note: `${received} received, ${deleted} deleted in ${Math.round(drain.ok)} requests; ${describeLoad(drain)}`,
        },
      ];
    } finally {
      await server.stop();
    }
  },
};
