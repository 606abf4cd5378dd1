// Progress of long CLI work: a bar redrawn in place on a terminal, plain lines elsewhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startProgress } from '../../src/cli/progress.js';

function output(isTTY: boolean): { isTTY: boolean; columns: number; text: string; write(t: string): void } {
  return {
    isTTY,
    columns: 100,
    text: '',
    write(t: string) {
      this.text += t;
    },
  };
}

describe('progress', () => {
  it('on a pipe: a plain line a second after the first second, and a last one', () => {
    let now = 0;
    const out = output(false);
    const p = startProgress(out, 'messages sent to jobs', null, () => now);
    p.update(100);
    now = 900;
    p.update(200);
    assert.equal(out.text, '', 'nothing in the first second');
    now = 1000;
    p.update(300);
    now = 1500;
    p.update(400);
    now = 2100;
    p.update(500, 1000);
    p.update(600);
    p.finish();
    p.finish();
    assert.equal(out.text, '300 messages sent to jobs\n500/1000 messages sent to jobs\n600/1000 messages sent to jobs\n');
  });

  it('on a pipe: quick work prints nothing at all', () => {
    const out = output(false);
    const p = startProgress(out, 'x', 10, () => 0);
    p.update(10);
    p.finish();
    assert.equal(out.text, '');
  });

  it('on a terminal: a bar redrawn in place (at most 10 times a second) with a newline at the end', () => {
    let now = 0;
    const out = output(true);
    const p = startProgress(out, 'sent', 200, () => now);
    p.update(50);
    now = 50;
    p.update(60); // too soon to redraw
    now = 1000;
    p.update(100);
    p.finish();
    const frames = out.text.split('\r\u001b[2K').filter((f) => f !== '');
    assert.deepEqual(frames.map((f) => f.replace(/ \d+\/s/, '')), [
      '[##########..............................] 25% 50/200 sent',
      '[####################....................] 50% 100/200 sent',
      '[####################....................] 50% 100/200 sent\n',
    ]);
    assert.match(frames[1] ?? '', / 100\/s$/, 'the rate');
  });
});
