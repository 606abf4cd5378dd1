// The readable log line: time, level, message and the fields that matter, never a query string.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { formatLine, prettyDestination, wantsPretty } from '../../src/log-format.js';

const at = new Date(2026, 10, 30, 9, 5, 7, 42).getTime(); // local time, as the line shows it

describe('readable log lines', () => {
  it('show time, level, message and the chosen fields in order, without the query string', () => {
    const line = formatLine(JSON.stringify({ level: 30, time: at, pid: 1, hostname: 'h', service: 'restmq', reqId: 'req-1', msg: 'slow request', url: '/q/jobs?access_token=sekrit&wait=5', method: 'GET', status: 204, ms: 5003 }), false);
    assert.equal(line, '09:05:07.042 INFO  slow request method=GET url=/q/jobs status=204 ms=5003\n');
  });

  it('show the error code and message of an err field, quoting values with spaces', () => {
    const line = formatLine(JSON.stringify({ level: 50, time: at, msg: 'request failed', queue: 'a b', err: { type: 'RestMQError', code: 'store_unavailable', message: 'the store is down', stack: '...' } }), false);
    assert.equal(line, '09:05:07.042 ERROR request failed queue="a b" code=store_unavailable error="the store is down"\n');
  });

  it('colour the level only when asked, and pass a line that is not JSON through', () => {
    assert.equal(formatLine(JSON.stringify({ level: 40, time: at, msg: 'x' }), true), '09:05:07.042 \u001b[33mWARN \u001b[0m x\n');
    assert.equal(formatLine('not json', false), 'not json\n');
  });

  it('are what a pino logger writes through the destination, one line per event', () => {
    const out: string[] = [];
    const log = pino({ level: 'info', base: { service: 'restmq' } }, prettyDestination({ write: (t) => out.push(t) }, false));
    log.info({ port: 8888, store: 'sqlite' }, 'restmq serving');
    log.debug('hidden');
    assert.equal(out.length, 1);
    assert.match(out[0] ?? '', /^\d\d:\d\d:\d\d\.\d{3} INFO {2}restmq serving port=8888 store=sqlite\n$/);
  });

  it('auto means readable on a terminal only', () => {
    assert.equal(wantsPretty('auto', true), true);
    assert.equal(wantsPretty('auto', false), false);
    assert.equal(wantsPretty('pretty', false), true);
    assert.equal(wantsPretty('json', true), false);
  });
});
