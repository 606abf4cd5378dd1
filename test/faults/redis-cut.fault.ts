// The long Redis link fault check (`npm run test:faults`): two daemons reach redis-server
// through a TCP proxy that the nemesis cuts for a second at random moments and restores;
// during each cut both daemons answer 503 (and store nothing), after it both serve again,
// and nothing acknowledged is lost. RESTMQ_FAULT_SECONDS (default 60) and RESTMQ_FAULT_SEED shape it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderResults } from './checker.js';
import { startRedisCutTarget } from './redis-target.js';
import { runScenario } from './scenario.js';

const seconds = Number(process.env.RESTMQ_FAULT_SECONDS ?? '60');
const seed = Number(process.env.RESTMQ_FAULT_SEED ?? String(Math.floor(Math.random() * 2 ** 31)));

test(`Redis link cut under two daemons, ${seconds} s of faults: 503 during each cut, then recovery, nothing acknowledged lost`, { timeout: (seconds + 120) * 1000 }, async (t) => {
  const target = await startRedisCutTarget({ cutMs: 1000 });
  let clean = false;
  let report;
  let probeLeft = -1;
  try {
    report = await runScenario({ target, seconds, uptimeMs: [200, 1500], producers: 3, consumers: 2, seed });
    probeLeft = await target.probeQueueLength();
  } finally {
    clean = await target.close();
  }
  t.diagnostic(
    renderResults(`${target.description}: ${report.faults} cuts, seed ${report.seed}, probes during cuts ${JSON.stringify(target.statuses)}, error answers ${JSON.stringify(report.errorStatuses)}`, report.results),
  );
  assert.ok(report.faults >= seconds / 4, `only ${report.faults} cuts`);
  assert.deepEqual(Object.keys(target.statuses), ['503'], 'a probe during a cut answered something else than 503');
  assert.equal(target.statuses['503'], report.faults * 4, 'every cut probes both daemons twice');
  assert.equal(probeLeft, 0, 'a publish answered 503 during a cut yet stored its message');
  for (const r of report.results) {
    assert.deepEqual(r.violations, [], `${r.workload}: ${r.violations.join('; ')}`);
    assert.equal(r.phantoms, 0);
    assert.equal(r.duplicates, 0);
    assert.ok(r.acked > 0 && r.delivered > 0, `${r.workload} did no work`);
  }
  assert.equal(report.results[0]?.lost, 0, 'the publish-only workload lost acknowledged messages');
  assert.ok(clean, 'a daemon did not shut down cleanly after the run');
});
