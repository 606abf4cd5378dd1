// The Grafana dashboard shipped in docs/ queries only metrics that /metrics really exports:
// every metric name in its expressions has a `# TYPE` line in a scrape of a real server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

interface Dashboard {
  readonly panels: readonly { readonly title: string; readonly targets: readonly { readonly expr: string }[] }[];
  readonly templating: { readonly list: readonly { readonly query?: unknown }[] };
}

const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as Dashboard;

/** Metric names in a PromQL expression, with histogram series suffixes taken off. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:restmq|nodejs)_[a-z0-9_]+)/g)].map((m) => (m[1] as string).replace(/_(bucket|sum|count)$/, ''));
}

describe('docs/grafana-dashboard.json', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ sync: 'normal' });
    await fetch(`${server.url}/q/dash`, { method: 'POST', body: new URLSearchParams({ value: 'x' }) });
  });
  after(() => server.stop());

  it('queries only metrics a real scrape exports', async () => {
    const scrape = await (await fetch(`${server.url}/metrics`)).text();
    const exported = new Set([...scrape.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string));
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...dashboard.templating.list.map((v) => (typeof v.query === 'string' ? v.query : '')),
    ];
    const names = new Set(exprs.flatMap(metricNames));
    assert.ok(names.size >= 10, `the dashboard names only ${names.size} metrics`);
    assert.deepEqual([...names].filter((n) => !exported.has(n)), []);
  });
});
