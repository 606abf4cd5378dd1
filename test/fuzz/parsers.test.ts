// Property-based fuzzing of every input parser on its own: for any input each parser
// returns a value inside its documented limits or throws a catalog RestMQError, never
// anything else. The seed is fixed and printed (see arbitraries.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ERROR_CATALOG, RestMQError } from '../../src/core/errors.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../src/core/json-depth.js';
import { MAX_DELAY_SECONDS, MAX_HEARTBEAT_SECONDS, MAX_LEASE_SECONDS, MAX_RECEIVE_COUNT, MAX_TTL_SECONDS, MAX_WAIT_SECONDS } from '../../src/core/limits.js';
import { formatKey, parseKey, parseQueueName } from '../../src/core/names.js';
import { parseBatch } from '../../src/operations/parse-batch.js';
import { parseConfigPatch } from '../../src/operations/parse-config.js';
import {
  parseCount,
  parseDedupId,
  parseDelay,
  parseHeartbeat,
  parseJson,
  parseLease,
  parsePolicy,
  parseReceipt,
  parseSince,
  parseStatusCommand,
  parseStreamLease,
  parseTtl,
  parseValue,
  parseWait,
} from '../../src/operations/parse.js';
import { parseUrlEncoded } from '../../src/http/text-input.js';
import { parseCommand } from '../../src/protocol/json-commands.js';
import { FUZZ_SEED, anyJsonValue, anyText, batchText, commandText, runs, urlEncoded } from './arbitraries.js';

const RUNS = 400;

/** Any input a transport may hand a parser: text, JSON values, or anything at all. */
const input = fc.oneof(anyText, anyJsonValue, fc.anything());

/**
 * Runs `parse`: true when it returned a value `valid` accepts, or threw a catalog error;
 * anything else thrown (a TypeError, a RangeError) fails the property.
 */
function judged<T>(parse: () => T, valid: (value: T) => boolean): boolean {
  let value: T;
  try {
    value = parse();
  } catch (err) {
    if (err instanceof RestMQError && Object.hasOwn(ERROR_CATALOG, err.code) && err.status < 500) return true;
    throw err;
  }
  return valid(value);
}

const whole = (min: number, max: number) => (n: number | null) => n === null || (Number.isInteger(n) && n >= min && n <= max);

/** Each parser with the check its result must pass. */
const PARSERS: readonly [string, (x: unknown) => boolean][] = [
  ['parseQueueName', (x) => judged(() => parseQueueName(x), (q) => q === x && /^[A-Za-z0-9_\-.:@]{1,128}$/.test(q))],
  ['parseKey', (x) => judged(() => parseKey(x), (k) => Number.isSafeInteger(k.seq) && k.seq >= 1 && formatKey(k.queue, k.seq) === x)],
  ['parseTtl', (x) => judged(() => parseTtl(x), whole(1, MAX_TTL_SECONDS))],
  ['parseCount', (x) => judged(() => parseCount(x), whole(1, MAX_RECEIVE_COUNT))],
  ['parseLease', (x) => judged(() => parseLease(x, null), whole(1, MAX_LEASE_SECONDS))],
  ['parseStreamLease', (x) => judged(() => parseStreamLease(x, false), (l) => l === null || whole(1, MAX_LEASE_SECONDS)(l.seconds))],
  ['parseDelay', (x) => judged(() => parseDelay(x), whole(0, MAX_DELAY_SECONDS))],
  ['parseWait', (x) => judged(() => parseWait(x), whole(0, MAX_WAIT_SECONDS))],
  ['parseHeartbeat', (x) => judged(() => parseHeartbeat(x), whole(1, MAX_HEARTBEAT_SECONDS))],
  ['parseReceipt', (x) => judged(() => parseReceipt(x), (r) => /^[A-Za-z0-9_-]{8,64}$/.test(r))],
  ['parseDedupId', (x) => judged(() => parseDedupId(x), (d) => d === null || /^[\x21-\x7e]{1,128}$/.test(d))],
  ['parseSince', (x) => judged(() => parseSince(x, 'fz'), (s) => s === null || (Number.isSafeInteger(s) && s >= 1))],
  ['parsePolicy', (x) => judged(() => parsePolicy(x), (p) => p === 'broadcast' || p === 'roundrobin')],
  ['parseStatusCommand', (x) => judged(() => parseStatusCommand(x), (s) => s === 'started' || s === 'stopped')],
  ['parseValue', (x) => judged(() => parseValue(x), (v) => v === x && v.length > 0 && Buffer.from(v, 'utf8').toString('utf8') === v)],
  ['parseConfigPatch', (x) => judged(() => parseConfigPatch('fz', x), (p) => typeof p === 'object' && p !== null)],
  ['parseCommand', (x) => judged(() => parseCommand(x), (c) => typeof c.cmd === 'string' && c.cmd !== '')],
  ['parseBatch', (x) => judged(() => parseBatch(x), (b) => b.length >= 1 && b.every((e) => typeof e.value === 'string' && e.value !== ''))],
];

describe(`parser fuzzer, unit properties (fast-check seed ${FUZZ_SEED}, ${RUNS} runs each)`, () => {
  for (const [name, property] of PARSERS) {
    it(`${name} returns a value in its limits or throws a catalog error, for any input`, () => {
      fc.assert(fc.property(input, property), runs(RUNS));
    });
  }

  it('parseJson, parseCommand and parseBatch take any text, deep JSON included', () => {
    fc.assert(
      fc.property(fc.oneof(commandText(fc.constant('fz')), batchText, fc.json(), anyText), (text) => {
        const parsedOk = judged(() => parseJson(text), () => true);
        return parsedOk && judged(() => parseCommand(text), () => true) && judged(() => parseBatch(text), () => true);
      }),
      runs(RUNS),
    );
  });

  it('parseJson agrees with JSON.parse up to the depth bound', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value);
        assert.deepEqual(parseJson(text), JSON.parse(text));
      }),
      runs(RUNS),
    );
  });

  it('nestsDeeperThan measures the depth JSON.stringify wrote, whatever the strings hold', () => {
    const depth = (v: unknown): number =>
      typeof v === 'object' && v !== null ? 1 + Math.max(0, ...Object.values(v).map(depth)) : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, max) => {
        assert.equal(nestsDeeperThan(JSON.stringify(value), max), depth(value) > max);
      }),
      runs(RUNS),
    );
    assert.equal(nestsDeeperThan('['.repeat(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH), true);
  });

  it('parseUrlEncoded takes any text and gives back what a client encoded', () => {
    fc.assert(
      fc.property(urlEncoded, (text) => judged(() => parseUrlEncoded(text), (r) => Object.getPrototypeOf(r) === null)),
      runs(RUNS),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'binary', minLength: 1 }), fc.string({ unit: 'binary' })), { maxLength: 6 }), (pairs) => {
        const text = new URLSearchParams(pairs).toString();
        const parsed = parseUrlEncoded(text);
        for (const [name] of pairs) {
          const expected = pairs.filter(([n]) => n === name).map(([, v]) => v);
          assert.deepEqual(parsed[name], expected.length === 1 ? expected[0] : expected);
        }
      }),
      runs(RUNS),
    );
  });
});
