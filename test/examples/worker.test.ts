// examples/worker.mjs: leases, works, publishes a result, acks. Killed with SIGKILL in the
// middle of a job and started again, it still does every job, and the queue ends empty.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drain } from '../e2e/daemon.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { EXAMPLES, start } from './helpers.js';
import { waitFor } from '../support/wait.js';

const WORKER = join(EXAMPLES, 'worker.mjs');
const JOBS = 10;

/** A result the worker published. */
interface Result {
  job: string;
  input: string;
  output: string;
  attempts: number;
}

describe('examples/worker.mjs', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ sync: 'normal' });
  });

  after(async () => {
    await server?.stop();
  });

  it('survives SIGKILL mid-job: the job comes back after its lease, every job is done and acked', async () => {
    const queue = queueName('jobs');
    const inputs = Array.from({ length: JOBS }, (_, i) => `job number ${i + 1}`);
    const batch = await fetch(`${server.url}/q/${queue}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(inputs),
    });
    assert.equal(batch.status, 200);

    // Slow work (1 s a job) so the kill lands while job 3 is in hand; 2 s leases.
    const first = start(process.execPath, [WORKER, queue], server.url, { LEASE: '2', WAIT: '5', WORK_MS: '1000' });
    const victim = `${queue}:3`;
    try {
      await first.waitFor(new RegExp(`leased ${victim} attempt 1\\n`));
      first.process.kill('SIGKILL');
      assert.equal(await first.exited, 'SIGKILL');
    } finally {
      await first.kill();
    }
    assert.doesNotMatch(first.stdout(), new RegExp(`done ${victim}\\n`));
    const held = await fetch(`${server.url}/q/${queue}/${victim}`);
    assert.equal(held.status, 200);
    assert.equal(((await held.json()) as { state: unknown }).state, 'leased', 'the kill came after the job was done');

    const second = start(process.execPath, [WORKER, queue], server.url, { LEASE: '2', WAIT: '5', WORK_MS: '20' });
    try {
      await second.waitFor(new RegExp(`done ${victim}\\n`));
      await waitFor('an empty job queue', async () => {
        const peek = await fetch(`${server.url}/q/${queue}?peek=100`);
        return JSON.stringify(await peek.json()) === '[]';
      }, 20_000);
      second.process.kill('SIGTERM');
      assert.equal(await second.exited, 0, second.stderr());
      assert.match(second.stdout(), /stopped\n$/);
      assert.match(second.stdout(), new RegExp(`leased ${victim} attempt 2\\n`));
    } finally {
      await second.kill();
    }

    const results = (await drain(server.url, `${queue}.results`)).map((m) => JSON.parse(m.value) as Result);
    assert.deepEqual(results.map((r) => r.job).sort(), inputs.map((_, i) => `${queue}:${i + 1}`).sort());
    for (const r of results) {
      assert.equal(r.output, [...r.input].reverse().join(''));
      assert.equal(r.attempts, r.job === victim ? 2 : 1, r.job);
    }
    const stats = (await (await fetch(`${server.url}/stats/${queue}`)).json()) as { len: unknown };
    assert.equal(stats.len, 0);
  });

  it('SIGTERM on an idle worker stops it at once, without waiting out its 20 s long poll, with status 0', async () => {
    const queue = queueName('idle');
    const worker = start(process.execPath, [WORKER, queue], server.url, { WAIT: '20' });
    try {
      await worker.waitFor(/working on/);
      worker.process.kill('SIGTERM');
      // Well under the 20 s long poll: the worker aborts it instead of waiting it out.
      const exit = await Promise.race([worker.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
      assert.equal(exit, 0, worker.stderr());
      assert.equal(worker.stdout(), `working on ${queue}, results to ${queue}.results\nstopped\n`);
    } finally {
      await worker.kill();
    }
  });
});
