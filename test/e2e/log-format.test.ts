// The daemon's log as an operator sees it: readable lines on a terminal (driven through
// script(1), which gives it a pty), JSON when piped, and --log-format to choose either way.
// A query string (where an access token may be) never reaches the log.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../support/server.js';
import { BIN, ROOT, assertBuilt, cleanEnv, freePort } from './daemon.js';

/** A terminal colour sequence (built from a string: the lint rule refuses control characters in a literal). */
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g');

const dir = tempDir('restmq-log-format-');
after(() => rmSync(dir, { recursive: true, force: true }));

/** Polls `check` until true or the deadline. */
async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Serves with `args`, on a pty or on pipes, makes one slow request whose query string holds
 * a token, stops the daemon with SIGTERM and answers everything it wrote to stdout.
 */
async function serveAndLog(args: readonly string[], terminal: boolean): Promise<string> {
  assertBuilt();
  const port = await freePort();
  const serve = [process.execPath, BIN, 'serve', '--port', String(port), '--data-dir', join(dir, String(port)), ...args];
  const child = terminal
    ? spawn('script', ['-qfec', `exec ${serve.map((a) => `'${a}'`).join(' ')}`, '/dev/null'], { cwd: ROOT, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(serve[0] as string, serve.slice(1), { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await until('the daemon to serve', () => out.includes('restmq serving'));
    const res = await fetch(`http://127.0.0.1:${port}/q/logged?wait=2&access_token=sekrit-token`);
    assert.equal(res.status, 204);
    await until('the slow request line', () => out.includes('slow request'));
    // On a pty the daemon is script's child (exec replaced the shell): signal it, not script.
    const pid = terminal ? Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0]) : (child.pid as number);
    process.kill(pid, 'SIGTERM');
    await exited;
  } finally {
    child.kill('SIGKILL');
  }
  return out;
}

describe('daemon log format', () => {
  it('on a terminal: one readable line per event, with method, path, status and ms, and no query string', { timeout: 40_000 }, async () => {
    const coloured = await serveAndLog([], true);
    assert.ok(coloured.includes('\u001b[32mINFO'), 'the level is coloured on a terminal');
    const out = coloured.replace(COLOUR, '');
    assert.match(out, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}restmq serving port=\d+ listen=127\.0\.0\.1 store=sqlite/m);
    assert.match(out, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}slow request method=GET url=\/q\/logged status=204 ms=\d+\r?$/m);
    assert.match(out, /INFO {2}stopped/);
    assert.ok(!out.includes('sekrit'), 'the token in the query string is not logged');
    assert.ok(!out.includes('{"level"'), 'no JSON on a terminal');
  });

  it('piped: JSON lines; --log-format pretty makes them readable anyway, --log-format json keeps JSON on a terminal', { timeout: 60_000 }, async () => {
    const piped = await serveAndLog([], false);
    const lines = piped.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const slow = lines.find((l) => l['msg'] === 'slow request');
    assert.deepEqual([slow?.['url'], slow?.['status'], slow?.['method']], ['/q/logged', 204, 'GET']);
    assert.ok(!piped.includes('sekrit'));
    const pretty = await serveAndLog(['--log-format', 'pretty'], false);
    assert.match(pretty, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}slow request method=GET url=\/q\/logged status=204 ms=\d+$/m);
    assert.ok(!pretty.includes('\u001b['), 'no colour when stdout is not a terminal');
    const json = await serveAndLog(['--log-format', 'json'], true);
    const jsonLines = json.trim().split(/\r?\n/).filter((l) => l !== '');
    for (const line of jsonLines) assert.doesNotThrow(() => JSON.parse(line), line);
    assert.ok(jsonLines.some((l) => l.includes('"msg":"slow request"')));
  });
});
