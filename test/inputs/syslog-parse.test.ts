// The syslog decoder and TCP framer: RFC 3164 and RFC 5424 lines, `<PRI>` decoding, and the
// line-length bound at its edge for both framings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TcpFramer, parseSyslogLine } from '../../src/inputs/syslog-parse.js';

const AT = new Date('2026-11-30T10:00:00.000Z');

describe('parseSyslogLine', () => {
  it('decodes an RFC 3164 line: priority, timestamp, host, tag and message', () => {
    const line = '<34>Oct 11 22:14:15 mymachine su: \'su root\' failed for lonvick on /dev/pts/8';
    assert.deepEqual(parseSyslogLine(line, AT), {
      line,
      host: 'mymachine',
      tstamp: 'Oct 11 22:14:15',
      facility: 'auth',
      severity: 'crit',
      priority: 34,
      format: 'rfc3164',
      app: 'su',
      message: '\'su root\' failed for lonvick on /dev/pts/8',
      received_at: AT.toISOString(),
    });
  });

  it('decodes an RFC 5424 line with structured data holding escaped brackets', () => {
    const line = '<165>1 2003-10-11T22:14:15.003Z host.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App\\]lication"][x@1 a="b"] \uFEFFAn application event';
    const record = parseSyslogLine(line, AT);
    assert.equal(record.format, 'rfc5424');
    assert.equal(record.facility, 'local4');
    assert.equal(record.severity, 'notice');
    assert.equal(record.priority, 165);
    assert.equal(record.host, 'host.example.com');
    assert.equal(record.tstamp, '2003-10-11T22:14:15.003Z');
    assert.equal(record.app, 'evntslog');
    assert.equal(record.message, 'An application event');
  });

  it('reads nil fields of RFC 5424 as null', () => {
    const record = parseSyslogLine('<0>1 2026-11-30T10:00:00Z - - - - - bare', AT);
    assert.deepEqual([record.facility, record.severity, record.host, record.app, record.message], ['kern', 'emerg', null, null, 'bare']);
  });

  it('keeps a line without a valid PRI whole, as user.notice at the receive time', () => {
    for (const line of ['no priority at all', '<192>out of range', '<x>not a number']) {
      const record = parseSyslogLine(line, AT);
      assert.equal(record.priority, 13, line);
      assert.equal(record.facility, 'user');
      assert.equal(record.severity, 'notice');
      assert.equal(record.tstamp, AT.toISOString());
      assert.equal(record.message, line);
      assert.equal(record.format, 'unknown');
    }
    assert.equal(parseSyslogLine('<191>x', AT).facility, 'local7');
    assert.equal(parseSyslogLine('<191>x', AT).severity, 'debug');
  });
});

describe('TcpFramer', () => {
  it('splits newline and octet-counted frames, mixed and across chunks', () => {
    const framer = new TcpFramer(100);
    assert.deepEqual(framer.push(Buffer.from('<13>one\r\n<13>tw')), { messages: ['<13>one'], fault: null });
    assert.deepEqual(framer.push(Buffer.from('o\n9 <13>thr')), { messages: ['<13>two'], fault: null });
    assert.deepEqual(framer.push(Buffer.from('ee\n\n')), { messages: ['<13>three'], fault: null });
  });

  it('takes a message of exactly maxBytes and refuses one byte more, in both framings', () => {
    const max = 480;
    const exact = 'x'.repeat(max);
    assert.deepEqual(new TcpFramer(max).push(Buffer.from(`${exact}\r\n`)), { messages: [exact], fault: null });
    assert.deepEqual(new TcpFramer(max).push(Buffer.from(`${max} ${exact}`)), { messages: [exact], fault: null });
    assert.equal(new TcpFramer(max).push(Buffer.from(`${exact}y\n`)).fault, 'too_long');
    assert.equal(new TcpFramer(max).push(Buffer.from(`${max + 1} `)).fault, 'too_long');
    // An unfinished line longer than the bound is refused before its end arrives.
    assert.equal(new TcpFramer(max).push(Buffer.from(`${exact}`)).fault, null);
    assert.equal(new TcpFramer(max).push(Buffer.from(`${exact}yz`)).fault, 'too_long');
  });

  it('refuses a bad octet count', () => {
    assert.equal(new TcpFramer(100).push(Buffer.from('0 x')).fault, 'bad_frame');
    assert.equal(new TcpFramer(100).push(Buffer.from('1234567890')).fault, 'bad_frame');
    assert.equal(new TcpFramer(100).push(Buffer.from('12x <13>')).fault, 'bad_frame');
  });
});
