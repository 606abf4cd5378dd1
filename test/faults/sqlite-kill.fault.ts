// The long SQLite fault check (`npm run test:faults`): the real daemon, --sync full, is
// killed with SIGKILL at random moments and restarted many times while producers publish
// and consumers pop. RESTMQ_FAULT_SECONDS (default 60) and RESTMQ_FAULT_SEED shape it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderResults } from './checker.js';
import { runScenario } from './scenario.js';
import { startSqliteKillTarget } from './target.js';

const seconds = Number(process.env.RESTMQ_FAULT_SECONDS ?? '60');
const seed = Number(process.env.RESTMQ_FAULT_SEED ?? String(Math.floor(Math.random() * 2 ** 31)));

test(`SQLite kill -9, ${seconds} s of faults: nothing acknowledged lost, nothing invented`, { timeout: (seconds + 120) * 1000 }, async (t) => {
  const target = await startSqliteKillTarget();
  let clean = false;
  let report;
  try {
    report = await runScenario({ target, seconds, uptimeMs: [30, 1200], producers: 3, consumers: 2, seed });
  } finally {
    clean = await target.close();
  }
  const table = renderResults(`${target.description}: ${report.faults} kills, seed ${report.seed}, failed-request statuses ${JSON.stringify(report.errorStatuses)}`, report.results);
  t.diagnostic(table);
  assert.ok(report.faults >= seconds / 2, `only ${report.faults} kills`);
  for (const r of report.results) {
    assert.deepEqual(r.violations, [], `${r.workload}: ${r.violations.join('; ')}`);
    assert.equal(r.phantoms, 0);
    assert.ok(r.acked > 0 && r.delivered > 0, `${r.workload} did no work`);
  }
  assert.equal(report.results[0]?.lost, 0, 'the publish-only workload lost acknowledged messages');
  assert.ok(clean, 'the daemon did not shut down cleanly after the run');
});
