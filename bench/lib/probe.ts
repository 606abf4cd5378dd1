/**
 * Small checks a suite makes outside the load phases: how long a queue still is, so a
 * pop row can prove it never ran dry (a 204 is cheaper than a pop and would flatter it).
 */

/** The `len` of `/stats/<queue>`, or throws when the answer is not what RestMQ sends. */
export async function queueLength(baseUrl: string, queue: string): Promise<number> {
  const response = await fetch(`${baseUrl}/stats/${encodeURIComponent(queue)}`);
  const body: unknown = await response.json();
  if (response.status !== 200 || typeof body !== 'object' || body === null) {
    throw new Error(`GET /stats/${queue} answered ${response.status}`);
  }
  const len: unknown = (body as { len?: unknown }).len;
  if (typeof len !== 'number') throw new Error(`GET /stats/${queue} has no numeric len`);
  return len;
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): number {
  return Math.round((bytes / 1_048_576) * 10) / 10;
}
