// examples/curl-walkthrough.sh runs the README's curl walk-through against a fresh server;
// its commands must be the README's, and its answers the ones the README shows.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { run as runChild } from './helpers.js';

const SCRIPT = fileURLToPath(new URL('../../examples/curl-walkthrough.sh', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/** One command with the answer it printed. */
interface Step {
  command: string;
  output: string;
}

/** Values that differ between runs: creation times and ages. */
function normalize(text: string): string {
  return text
    .replace(/\r/g, '')
    .replace(/"created_at":"[^"]*"/g, '"created_at":"<time>"')
    .replace(/"oldest_age_ms":\d+/g, '"oldest_age_ms":<ms>')
    .replace(/\n+$/, '');
}

/** Splits `$ command` lines and what follows them into steps, skipping `# ` comments. */
function steps(lines: readonly string[]): Step[] {
  const out: Step[] = [];
  for (const line of lines) {
    if (line.startsWith('$ ')) out.push({ command: line.slice(2), output: '' });
    else if (!line.startsWith('# ') && out.length > 0) {
      const last = out[out.length - 1];
      if (last !== undefined) last.output += `${line}\n`;
    }
  }
  return out.map((s) => ({ command: s.command, output: normalize(s.output) }));
}

/** The console blocks of the README's walk-through section, as steps. */
function readmeSteps(): Step[] {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf('## Walk-through: every route with curl');
  assert.ok(start >= 0, 'README has no walk-through section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const lines: string[] = [];
  for (const block of section.matchAll(/```console\n([\s\S]*?)```/g)) {
    lines.push(...(block[1] ?? '').split('\n'));
  }
  return steps(lines);
}

describe('examples/curl-walkthrough.sh', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ sync: 'normal' });
  });

  after(async () => {
    await server?.stop();
  });

  it('runs every README walk-through command against a fresh server and prints the README answers', async () => {
    // The argument wins over RESTMQ_URL (here a dead address).
    const run = await runChild('bash', [SCRIPT, server.url], 'http://127.0.0.1:1');
    assert.equal(run.status, 0, `the script failed: ${run.stderr}`);
    assert.equal(run.stderr, '');
    const got = steps(run.stdout.split('\n'));
    const want = readmeSteps();
    assert.ok(want.length >= 40, `only ${want.length} README commands found`);
    assert.deepEqual(
      got.map((s) => s.command),
      want.map((s) => s.command),
      'the script must run the README walk-through commands, in order (update examples/curl-walkthrough.sh with the README)',
    );
    for (const [i, step] of want.entries()) {
      assert.equal(got[i]?.output, step.output, `answer to: ${step.command}`);
    }
  });

  it('takes the server from RESTMQ_URL too, and stops at the first failing command', async () => {
    const down = await runChild('bash', [SCRIPT], 'http://127.0.0.1:1');
    assert.notEqual(down.status, 0);
    assert.match(down.stdout, /\$ curl -d value=foobar localhost:8888\/q\/test\n$/);
    assert.match(down.stderr, /curl: \(7\) Failed to connect to 127\.0\.0\.1 port 1 /);
  });
});
