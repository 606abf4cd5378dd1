/**
 * Shared steps of the streaming tests: publishing over HTTP, switching policy and status,
 * and waiting for a server-side condition with a deadline.
 */
import assert from 'node:assert/strict';
import { postForm } from '../support/server.js';

/** Publishes `values` in order (each acknowledged before the next) and returns the keys. */
export async function publish(url: string, queue: string, values: readonly string[]): Promise<string[]> {
  const keys: string[] = [];
  for (const value of values) {
    const res = await postForm(`${url}/q/${queue}`, { value });
    assert.equal(res.status, 200);
    keys.push((await res.text()).trim());
  }
  return keys;
}

/** Sets the queue's policy. */
export async function setPolicy(url: string, queue: string, policy: 'broadcast' | 'roundrobin'): Promise<void> {
  const res = await postForm(`${url}/p/${queue}`, { policy });
  assert.equal(res.status, 200);
  await res.text();
}

/** Starts or stops streaming delivery. */
export async function control(url: string, queue: string, status: 'start' | 'stop'): Promise<void> {
  const res = await postForm(`${url}/control/${queue}`, { status });
  assert.equal(res.status, 200);
  await res.text();
}

/** The queue's length from /stats. */
export async function queueLength(url: string, queue: string): Promise<number> {
  const res = await fetch(`${url}/stats/${queue}`);
  const body = (await res.json()) as { len: number };
  return body.len;
}


/** `n` distinct values with a prefix. */
export function values(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
}
