// Client JSON nested deeper than MAX_JSON_DEPTH answers 400 json_too_deep on every path that
// takes JSON (raw publish, batch, queue config, /queue, WebSocket command frames), before it
// is parsed; 100,000 levels used to overflow the stack and answer 500. The bound is tested at
// its edge: MAX_JSON_DEPTH levels are accepted, one more is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../src/core/json-depth.js';
import { assertError, assertFlatError, assertUntouched, form, isRecord, json, raw, request, seededQueue as seedQueue } from '../support/http.js';
import { queueName, useTestServer } from '../support/server.js';
import { WsClient } from '../stream/clients.js';

/** JSON text of `levels` arrays nested inside one another around `inner`. */
function nested(levels: number, inner = ''): string {
  return '['.repeat(levels) + inner + ']'.repeat(levels);
}

const HUGE = 100_000;

const server = useTestServer();

const seededQueue = (): Promise<string> => seedQueue(server.url);

function put(url: string, body: string): ReturnType<typeof request> {
  return request(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
}

/** Sends one command frame and waits for its answer (frames that are not streamed messages). */
async function wsAnswer(client: WsClient, frame: string): Promise<Record<string, unknown>> {
  const seen = client.answers.length;
  client.send(frame);
  await client.until(() => client.answers.length > seen, 'the answer to a command frame');
  const answer = client.answers[seen];
  assert.ok(answer);
  return answer;
}

describe('JSON nesting depth', () => {
  it('the catalog message names the bound', async () => {
    const { ERROR_CATALOG } = await import('../../src/core/errors.js');
    assert.match(ERROR_CATALOG.json_too_deep.message, new RegExp(`\\b${MAX_JSON_DEPTH}\\b`));
  });

  it(`${HUGE} levels answer 400 json_too_deep on every JSON path, and nothing is stored`, async () => {
    const q = await seededQueue();
    const deep = nested(HUGE);
    await assertUntouched(server.url, q, async () => {
      assertError(await raw(`${server.url}/q/${q}/batch`, 'application/json', deep), 'json_too_deep');
      assertError(await raw(`${server.url}/q/${q}/batch`, 'application/json', `["a", ${deep}]`), 'json_too_deep');
      assertError(await raw(`${server.url}/q/${q}`, 'application/json', deep), 'json_too_deep');
      assertError(await put(`${server.url}/q/${q}/config`, `{"max_attempts": ${deep}}`), 'json_too_deep');
      const command = `{"cmd":"add","queue":"${q}","value":${deep}}`;
      assertFlatError(await raw(`${server.url}/queue`, 'application/json', command), 'json_too_deep');
      assertFlatError(await form(`${server.url}/queue`, { body: command }), 'json_too_deep');
      const ws = await WsClient.open(`${server.url.replace('http', 'ws')}/ws/${q}-ws`);
      try {
        const answer = await wsAnswer(ws, command);
        assert.deepEqual(answer, { error: 'JSON nests arrays and objects more than 100 levels deep', code: 'json_too_deep' });
        // The socket still serves commands afterwards.
        assert.equal((await wsAnswer(ws, `{"cmd":"get","queue":"${q}"}`)).value, 'seed');
      } finally {
        ws.close();
      }
    });
    // Objects count as arrays do.
    assertError(await raw(`${server.url}/q/${q}`, 'application/json', '{"a":'.repeat(HUGE) + '1' + '}'.repeat(HUGE)), 'json_too_deep');
  });

  it(`${MAX_JSON_DEPTH} levels are accepted and ${MAX_JSON_DEPTH + 1} refused, on each path`, async () => {
    const q = queueName();
    // A raw JSON publish: the body itself nests.
    assert.equal((await raw(`${server.url}/q/${q}`, 'application/json', nested(MAX_JSON_DEPTH))).status, 200);
    assertError(await raw(`${server.url}/q/${q}`, 'application/json', nested(MAX_JSON_DEPTH + 1)), 'json_too_deep');

    // A batch: the array is one level, so its entry may nest MAX_JSON_DEPTH - 1 more.
    const batchOk = await raw(`${server.url}/q/${q}/batch`, 'application/json', `[${nested(MAX_JSON_DEPTH - 1)}]`);
    assert.equal(batchOk.status, 200, batchOk.text);
    assertError(await raw(`${server.url}/q/${q}/batch`, 'application/json', `[${nested(MAX_JSON_DEPTH)}]`), 'json_too_deep');

    // A command: the object is one level.
    const add = (levels: number): string => `{"cmd":"add","queue":"${q}","value":${nested(levels)}}`;
    const added = json(await raw(`${server.url}/queue`, 'application/json', add(MAX_JSON_DEPTH - 1)));
    assert.ok(isRecord(added) && added.value === nested(MAX_JSON_DEPTH - 1), JSON.stringify(added));
    assertFlatError(await raw(`${server.url}/queue`, 'application/json', add(MAX_JSON_DEPTH)), 'json_too_deep');

    // Queue config: at the bound the body parses (and is refused for what it says), one more level is too deep.
    assertError(await put(`${server.url}/q/${q}/config`, `{"max_attempts":${nested(MAX_JSON_DEPTH - 1)}}`), 'invalid_config');
    assertError(await put(`${server.url}/q/${q}/config`, `{"max_attempts":${nested(MAX_JSON_DEPTH)}}`), 'json_too_deep');

    const ws = await WsClient.open(`${server.url.replace('http', 'ws')}/ws/${q}-ws`);
    try {
      assert.equal((await wsAnswer(ws, add(MAX_JSON_DEPTH - 1))).value, nested(MAX_JSON_DEPTH - 1));
      assert.equal((await wsAnswer(ws, add(MAX_JSON_DEPTH))).code, 'json_too_deep');
    } finally {
      ws.close();
    }
  });

  it('brackets inside strings do not count as nesting', async () => {
    const q = queueName();
    const text = JSON.stringify({ brackets: '['.repeat(HUGE), escaped: '\\"[[[' });
    const answer = await raw(`${server.url}/q/${q}`, 'application/json', text);
    assert.equal(answer.status, 200, answer.text);
    const peeked = json(await request(`${server.url}/q/${q}?peek=1`));
    assert.ok(Array.isArray(peeked) && isRecord(peeked[0]));
    assert.equal(peeked[0].value, text);
  });

  it('nestsDeeperThan counts only brackets outside strings, honouring escapes', () => {
    assert.equal(nestsDeeperThan('[[1]]', 2), false);
    assert.equal(nestsDeeperThan('[[1]]', 1), true);
    assert.equal(nestsDeeperThan('["[[[[", {"a": "\\"[["}]', 2), false);
    assert.equal(nestsDeeperThan('["\\\\", [[]]]', 2), true);
    assert.equal(nestsDeeperThan('"unterminated [[[', 0), false);
  });
});
