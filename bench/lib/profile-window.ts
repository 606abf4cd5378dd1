/**
 * The daemon's CPU during one load phase, by area, from a whole-life V8 `.cpuprofile`:
 * only the samples inside the phase's window count, so start-up (module loading) and other
 * phases do not blur the row. Sample times and `process.hrtime` share one clock (the
 * monotonic clock, in µs), which is what lets the bench mark the window from outside.
 */
import { readFileSync } from 'node:fs';
import { area } from './profile.js';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface Profile {
  nodes: Node[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

function isProfile(value: unknown): value is Profile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return Array.isArray(v.nodes) && typeof v.startTime === 'number' && Array.isArray(v.samples) && Array.isArray(v.timeDeltas);
}

/** A phase's window on the monotonic clock, µs (from {@link nowUs}). */
export interface Window {
  readonly label: string;
  readonly fromUs: number;
  readonly toUs: number;
}

/** Now on the clock V8 stamps profile samples with, µs. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** CPU µs per area inside one window; `(idle)` is left out. */
export type AreaTimes = Map<string, number>;

/** Per window, the µs of non-idle samples by area. */
export function areaTimes(path: string, windows: readonly Window[]): Map<string, AreaTimes> {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isProfile(parsed)) throw new Error(`${path} is not a V8 CPU profile`);
  const areaOf = new Map<number, string>();
  for (const node of parsed.nodes) areaOf.set(node.id, area(node.callFrame.url, node.callFrame.functionName));
  const out = new Map<string, AreaTimes>(windows.map((w) => [w.label, new Map()]));
  let at = parsed.startTime;
  parsed.samples.forEach((id, i) => {
    const delta = parsed.timeDeltas[i] ?? 0;
    at += delta;
    const where = areaOf.get(id) ?? '(unknown)';
    if (where === '((idle))') return;
    const w = windows.find((x) => at >= x.fromUs && at < x.toUs);
    if (w === undefined) return;
    const times = out.get(w.label);
    times?.set(where, (times.get(where) ?? 0) + delta);
  });
  return out;
}
