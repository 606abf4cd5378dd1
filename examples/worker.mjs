#!/usr/bin/env node
// A job worker that loses nothing when it is killed: it leases a job instead of popping
// it, does the work, publishes the result, and only then acks the lease. If the worker dies
// mid-job, the lease runs out and the job comes back (to this worker once it is
// restarted, or to any other), with `attempts` counting the tries. So every job is done
// at least once; make the work safe to repeat (here the result is published with a dedup
// id, so a repeat of an already-published result stores nothing).
//
//   RESTMQ_URL=http://127.0.0.1:8888 node examples/worker.mjs jobs
//
// Settings (environment): LEASE seconds a job stays ours (default 30), WAIT seconds of a
// long poll (default 20), WORK_MS how long the pretend work takes (default 100),
// RESULTS the queue results go to (default <queue>.results).
// SIGTERM or SIGINT stops after the job in hand (acked); a job leased but not finished
// is released so another worker gets it at once.
const base = (process.env.RESTMQ_URL ?? 'http://127.0.0.1:8888').replace(/\/$/, '');
const queue = process.argv[2];
if (queue === undefined) {
  console.error('usage: worker.mjs QUEUE');
  process.exit(2);
}
const lease = Number(process.env.LEASE ?? 30);
const wait = Number(process.env.WAIT ?? 20);
const workMs = Number(process.env.WORK_MS ?? 100);
const results = process.env.RESULTS ?? `${queue}.results`;
const q = (name) => encodeURIComponent(name);

let stopping = false;
const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    stopping = true;
    stop.abort();
  });
}

/** Throws with RestMQ's answer unless the status is one of `ok`. */
async function expect(res, ...ok) {
  if (!ok.includes(res.status)) throw new Error(`RestMQ answered ${res.status} ${(await res.text()).trim()}`);
  return res;
}

/** The pretend work: waits WORK_MS, then answers the job's text reversed. */
async function work(value) {
  await new Promise((resolve) => setTimeout(resolve, workMs));
  return [...value].reverse().join('');
}

console.log(`working on ${queue}, results to ${results}`);
while (!stopping) {
  // Long poll: answers a leased job as soon as one is ready, or 204 after WAIT seconds.
  let res;
  try {
    res = await fetch(`${base}/q/${q(queue)}?lease=${lease}&wait=${wait}`, { signal: stop.signal });
  } catch (err) {
    if (stopping) break;
    console.error(`poll failed: ${err.message}; retrying in 1 s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    continue;
  }
  await expect(res, 200, 204);
  if (res.status === 204) continue;
  const job = await res.json(); // {key, value, count, receipt, attempts, lease_expires_at}
  console.log(`leased ${job.key} attempt ${job.attempts}`);
  if (stopping) {
    // Stopped while the answer was on its way: hand the job back now.
    await fetch(`${base}/q/${q(queue)}/${q(job.key)}/release?receipt=${q(job.receipt)}`, { method: 'POST' });
    console.log(`released ${job.key}`);
    break;
  }

  const output = await work(job.value);
  // Publish the result; the dedup id makes a repeat after a crash store nothing.
  await expect(
    await fetch(`${base}/q/${q(results)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `result-${job.key}` },
      body: JSON.stringify({ job: job.key, input: job.value, output, attempts: job.attempts }),
    }),
    200,
  );
  // Ack: the job is done and leaves the queue. 409 means the lease ran out first (the
  // work took longer than LEASE) and someone else may be doing the job again.
  const ack = await fetch(`${base}/q/${q(queue)}/${q(job.key)}?receipt=${q(job.receipt)}`, { method: 'DELETE' });
  if (ack.status === 409) console.error(`${job.key}: lease ended before the ack: ${(await ack.text()).trim()}`);
  else await expect(ack, 200);
  console.log(`done ${job.key}`);
}
console.log('stopped');
