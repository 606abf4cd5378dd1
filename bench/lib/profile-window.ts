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
  callFrame: { functionName: string; url: string; lineNumber: number };
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

/** Sampled µs inside one window by area and by function; `(idle)` is left out. */
export interface AreaTimes {
  readonly areas: Map<string, number>;
  readonly functions: Map<string, number>;
}

/** `name file:line`, with the path cut to the package or to `dist/`. */
function functionKey(node: Node): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === '' ? '' : ` ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|src)\//, '$1/')}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where}`;
}

/** Per window, the µs of non-idle samples by area and by function. */
export function areaTimes(path: string, windows: readonly Window[]): Map<string, AreaTimes> {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isProfile(parsed)) throw new Error(`${path} is not a V8 CPU profile`);
  const areaOf = new Map<number, string>();
  const functionOf = new Map<number, string>();
  for (const node of parsed.nodes) {
    areaOf.set(node.id, area(node.callFrame.url, node.callFrame.functionName));
    functionOf.set(node.id, functionKey(node));
  }
  const out = new Map<string, AreaTimes>(windows.map((w) => [w.label, { areas: new Map(), functions: new Map() }]));
  let at = parsed.startTime;
  parsed.samples.forEach((id, i) => {
    const delta = parsed.timeDeltas[i] ?? 0;
    at += delta;
    const where = areaOf.get(id) ?? '(unknown)';
    if (where === '((idle))') return;
    const w = windows.find((x) => at >= x.fromUs && at < x.toUs);
    if (w === undefined) return;
    const times = out.get(w.label);
    if (times === undefined) return;
    times.areas.set(where, (times.areas.get(where) ?? 0) + delta);
    const fn = functionOf.get(id) ?? '(unknown)';
    times.functions.set(fn, (times.functions.get(fn) ?? 0) + delta);
  });
  return out;
}
