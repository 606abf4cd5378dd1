// The long lease fault check (`npm run test:faults`): the real daemon, --sync full, is
// killed with SIGKILL at random moments while consumers hold 1 s leases, ack, or abandon
// them. RESTMQ_FAULT_SECONDS (default 60) and RESTMQ_FAULT_SEED shape it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderResults } from './checker.js';
import { runLeaseScenario } from './lease-scenario.js';
import { startSqliteKillTarget } from './target.js';

const seconds = Number(process.env.RESTMQ_FAULT_SECONDS ?? '60');
const seed = Number(process.env.RESTMQ_FAULT_SEED ?? String(Math.floor(Math.random() * 2 ** 31)));

test(`SQLite kill -9 with leases held, ${seconds} s of faults: leased-unacked work comes back, acked work never does`, { timeout: (seconds + 120) * 1000 }, async (t) => {
  const target = await startSqliteKillTarget();
  let clean = false;
  let report;
  try {
    report = await runLeaseScenario({ target, seconds, uptimeMs: [30, 1200], producers: 3, consumers: 4, abandonRate: 0.1, seed });
  } finally {
    clean = await target.close();
  }
  const { result } = report;
  t.diagnostic(
    renderResults(
      `${target.description}: ${report.faults} kills, seed ${report.seed}, ${report.leasesHeldAtKills} leases held at kills, ${report.abandoned} abandoned, ${report.staleAcks} stale acks, failed-request statuses ${JSON.stringify(report.errorStatuses)}`,
      [result],
    ),
  );
  assert.ok(report.faults >= seconds / 2, `only ${report.faults} kills`);
  assert.ok(report.leasesHeldAtKills > 0, 'no kill landed while a lease was held');
  assert.deepEqual(result.violations, [], result.violations.join('; '));
  assert.equal(result.lost, 0);
  assert.equal(result.unfinished, 0);
  assert.equal(result.redeliveredAfterAck, 0);
  assert.equal(result.phantoms, 0);
  assert.ok(result.acked > 0 && result.delivered > 0, 'the workload did no work');
  assert.ok(clean, 'the daemon did not shut down cleanly after the run');
});
