// The docs cannot drift from the code: the error table of docs/api.md must be
// ERROR_CATALOG, the README's config table must be SETTINGS, and every route docs/api.md
// names must be served.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SETTINGS, formatDefault } from '../../src/config.js';
import { ERROR_CATALOG } from '../../src/core/errors.js';
import { startTestServer } from '../support/server.js';

const api = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The lines of the `## title` section (up to the next `## ` heading). */
function section(markdown: string, title: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${title}`);
  assert.ok(start >= 0, `a "## ${title}" section exists`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

/** The body rows of the first table in `lines`, as trimmed cells without backticks. */
function tableRows(lines: string[]): string[][] {
  const first = lines.findIndex((l) => l.startsWith('|'));
  assert.ok(first >= 0, 'the section has a table');
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim().replace(/^`(.*)`$/, '$1')),
    );
  }
  return rows;
}

describe('docs/api.md error table = ERROR_CATALOG', () => {
  const rows = tableRows(section(api, 'Errors'));
  const documented = new Map(rows.map(([code = '', status, message]) => [code, { status: Number(status), message }]));

  it('lists each code once', () => {
    assert.equal(documented.size, rows.length, 'no code is listed twice');
  });

  it('lists every catalog code with its status and message', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
      const doc = documented.get(code);
      assert.ok(doc, `${code} is documented`);
      assert.equal(doc.status, entry.status, `${code} has status ${entry.status} in the docs`);
      assert.equal(doc.message, entry.message, `${code} has the catalog message in the docs`);
    }
  });

  it('lists no code the catalog lacks', () => {
    const extra = [...documented.keys()].filter((code) => !(code in ERROR_CATALOG));
    assert.deepEqual(extra, []);
  });
});

describe('README config table = SETTINGS', () => {
  const rows = tableRows(section(readme, 'Configuration'));

  it('has one row per setting, in order, with its flag, environment variable and default', () => {
    assert.deepEqual(
      rows.map(([flag, env, defaultValue]) => ({ flag, env, defaultValue })),
      SETTINGS.map((s) => ({ flag: `--${s.flag}`, env: s.env, defaultValue: formatDefault(s.defaultValue) })),
    );
  });

  it('describes every setting', () => {
    for (const row of rows) assert.ok((row[3] ?? '').length > 10, `${row[0] ?? ''} has a meaning`);
  });
});

describe('docs/api.md routes are served', () => {
  const headings = [...api.matchAll(/^### `(GET|POST|DELETE) (\/[^`]*)`$/gm)].map((m) => ({
    method: m[1] as 'GET' | 'POST' | 'DELETE',
    url: (m[2] as string).replace(/<([a-z]+)>/g, ':$1'),
  }));

  it('names the routes of the RestMQ surface', () => {
    assert.ok(headings.length >= 17, `found ${headings.length} route headings`);
  });

  it('every documented route exists on the app', async () => {
    const server = await startTestServer();
    try {
      for (const route of headings) {
        assert.ok(server.app.hasRoute(route), `${route.method} ${route.url} is served`);
      }
    } finally {
      await server.stop();
    }
  });
});
