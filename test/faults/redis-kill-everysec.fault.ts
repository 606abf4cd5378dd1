// The long Redis fault check under `appendfsync everysec` (`npm run test:faults`): as
// redis-kill-always.fault.ts, but the loss is reported (the diagnostic table), not asserted;
// phantoms must still be 0. RESTMQ_FAULT_SECONDS (default 60) and RESTMQ_FAULT_SEED shape it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderResults } from './checker.js';
import { startRedisKillTarget } from './redis-target.js';
import { runScenario } from './scenario.js';

const seconds = Number(process.env.RESTMQ_FAULT_SECONDS ?? '60');
const seed = Number(process.env.RESTMQ_FAULT_SEED ?? String(Math.floor(Math.random() * 2 ** 31)));

test(`Redis appendfsync everysec, redis-server kill -9, ${seconds} s of faults: loss reported, nothing invented`, { timeout: (seconds + 120) * 1000 }, async (t) => {
  const target = await startRedisKillTarget({ appendfsync: 'everysec' });
  let clean = false;
  let report;
  try {
    report = await runScenario({ target, seconds, uptimeMs: [30, 1200], producers: 3, consumers: 2, seed });
  } finally {
    clean = await target.close();
  }
  t.diagnostic(renderResults(`${target.description}: ${report.faults} kills, seed ${report.seed}, error answers ${JSON.stringify(report.errorStatuses)}`, report.results));
  assert.ok(report.faults >= seconds / 3, `only ${report.faults} kills`);
  // Loss is reported, not asserted: everysec may lose up to about a second of acknowledged
  // writes on a machine crash; a process kill normally loses none (the kernel has them).
  for (const r of report.results) {
    assert.equal(r.phantoms, 0, `${r.workload}: phantom deliveries`);
    assert.equal(r.keyConflicts, 0, `${r.workload}: key conflicts`);
    assert.ok(r.acked > 0 && r.delivered > 0, `${r.workload} did no work`);
  }
  assert.ok(clean, 'the daemon did not shut down cleanly after the run');
});
