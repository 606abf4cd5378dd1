// The long Redis lease fault check (`npm run test:faults`): two daemons share one
// redis-server; the daemon clients use is killed with SIGKILL at random moments while
// consumers hold 1 s leases it handed out, and clients move to the other daemon, which must
// hand those messages out again after their expiry. RESTMQ_FAULT_SECONDS (default 60) and
// RESTMQ_FAULT_SEED shape it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderResults } from './checker.js';
import { runLeaseScenario } from './lease-scenario.js';
import { startRedisDaemonKillTarget } from './redis-target.js';

const seconds = Number(process.env.RESTMQ_FAULT_SECONDS ?? '60');
const seed = Number(process.env.RESTMQ_FAULT_SEED ?? String(Math.floor(Math.random() * 2 ** 31)));

test(`Redis, daemon kill -9 with leases held, ${seconds} s of faults: the other daemon redelivers after expiry, acked work never comes back`, { timeout: (seconds + 120) * 1000 }, async (t) => {
  const target = await startRedisDaemonKillTarget();
  let clean = false;
  let report;
  try {
    report = await runLeaseScenario({ target, seconds, uptimeMs: [300, 1500], producers: 3, consumers: 4, abandonRate: 0.1, seed });
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
  assert.ok(report.faults >= seconds / 3, `only ${report.faults} kills`);
  assert.ok(report.leasesHeldAtKills > 0, 'no kill landed while a lease was held');
  assert.deepEqual(result.violations, [], result.violations.join('; '));
  assert.equal(result.lost, 0);
  assert.equal(result.unfinished, 0);
  assert.equal(result.redeliveredAfterAck, 0);
  assert.equal(result.phantoms, 0);
  assert.ok(result.duplicates >= report.abandoned, `${report.abandoned} abandoned leases but only ${result.duplicates} redeliveries`);
  assert.ok(result.acked > 0 && result.delivered > 0, 'the workload did no work');
  assert.ok(clean, 'a daemon did not shut down cleanly after the run');
});
