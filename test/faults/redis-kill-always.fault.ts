// The long Redis fault check under `appendfsync always` (`npm run test:faults`): redis-server
// (appendonly yes) is killed with SIGKILL at random moments and restarted on the same port
// and dir, many times, while one daemon serves producers and consumers: lost must be 0.
// RESTMQ_FAULT_SECONDS (default 60) and RESTMQ_FAULT_SEED shape it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderResults } from './checker.js';
import { startRedisKillTarget } from './redis-target.js';
import { runScenario } from './scenario.js';

const seconds = Number(process.env.RESTMQ_FAULT_SECONDS ?? '60');
const seed = Number(process.env.RESTMQ_FAULT_SEED ?? String(Math.floor(Math.random() * 2 ** 31)));

test(`Redis appendfsync always, redis-server kill -9, ${seconds} s of faults: nothing acknowledged lost, nothing invented`, { timeout: (seconds + 120) * 1000 }, async (t) => {
  const target = await startRedisKillTarget({ appendfsync: 'always' });
  let clean = false;
  let report;
  try {
    report = await runScenario({ target, seconds, uptimeMs: [30, 1200], producers: 3, consumers: 2, seed });
  } finally {
    clean = await target.close();
  }
  t.diagnostic(renderResults(`${target.description}: ${report.faults} kills, seed ${report.seed}, error answers ${JSON.stringify(report.errorStatuses)}`, report.results));
  assert.ok(report.faults >= seconds / 3, `only ${report.faults} kills`);
  for (const r of report.results) {
    assert.deepEqual(r.violations, [], `${r.workload}: ${r.violations.join('; ')}`);
    assert.equal(r.phantoms, 0);
    assert.equal(r.duplicates, 0);
    assert.ok(r.acked > 0 && r.delivered > 0, `${r.workload} did no work`);
  }
  assert.equal(report.results[0]?.lost, 0, 'the publish-only workload lost acknowledged messages');
  assert.ok(clean, 'the daemon did not shut down cleanly after the run');
});
