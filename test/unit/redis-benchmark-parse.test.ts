// The bench's reading of `redis-benchmark -q`: the Redis rows' baselines come from it, so a
// misread (a progress line taken for the result, a missing command) must fail the run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRedisBenchmark } from '../../bench/lib/redis-benchmark.js';

// What redis-benchmark 7 prints with -q: progress lines ended by \r, then one result line per command.
const OUTPUT =
  'LPUSH: rps=0.0 (overall: -nan) avg_msec=-nan (overall: -nan)\r' +
  'LPUSH: rps=531136.0 (overall: 526920.6) avg_msec=1.247 (overall: 1.247)\r' +
  'LPUSH: 567536.88 requests per second, p50=1.087 msec                    \n' +
  'RPOP: rps=298432.0 (overall: 632271.2) avg_msec=1.037 (overall: 1.037)\r' +
  'RPOP: 588928.19 requests per second, p50=1.111 msec                    \n';

describe('parseRedisBenchmark', () => {
  it('takes the result lines, not the progress lines', () => {
    assert.deepEqual(parseRedisBenchmark(OUTPUT), { lpush: 567536.88, rpop: 588928.19 });
  });

  it('refuses output without both commands', () => {
    assert.throws(() => parseRedisBenchmark('LPUSH: 567536.88 requests per second, p50=1.087 msec\n'), /no LPUSH\/RPOP rates/);
    assert.throws(() => parseRedisBenchmark('Could not connect to Redis at 127.0.0.1:1: Connection refused\n'), /no LPUSH\/RPOP rates/);
  });

  it('refuses a zero rate', () => {
    assert.throws(() => parseRedisBenchmark('LPUSH: 0.00 requests per second\nRPOP: 10.00 requests per second\n'), /no LPUSH\/RPOP rates/);
  });
});
