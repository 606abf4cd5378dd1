/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`) by self time: which functions,
 * and which packages, the daemon spent its CPU in. Enough to say what dominates a row
 * without opening a profiler UI.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** One line of the summary. */
export interface ProfileEntry {
  readonly name: string;
  readonly percent: number;
}

function isProfile(value: unknown): value is CpuProfile {
  return typeof value === 'object' && value !== null && Array.isArray((value as { nodes?: unknown }).nodes);
}

/** Where a frame's code lives: a package, node itself, RestMQ, or V8's own buckets (also used by profile-window.ts). */
export function area(url: string, functionName: string): string {
  if (url === '') return `(${functionName || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.startsWith('node:')) return 'node core';
  if (url.includes('/dist/') || url.includes('/src/')) return 'restmq';
  return url;
}

/** Top functions and areas by self time. */
export function summariseProfile(path: string, top = 15): { functions: ProfileEntry[]; areas: ProfileEntry[] } {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isProfile(parsed)) throw new Error(`${path} is not a V8 CPU profile`);
  const selfTime = new Map<number, number>();
  const samples = parsed.samples ?? [];
  const deltas = parsed.timeDeltas ?? [];
  samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (deltas[i] ?? 0)));
  let total = 0;
  for (const t of selfTime.values()) total += t;
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const node of parsed.nodes) {
    const t = selfTime.get(node.id) ?? 0;
    if (t === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = area(url, functionName);
    const fn = `${functionName || '(anonymous)'} ${url === '' ? '' : `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|src)\//, '$1/')}:${lineNumber + 1}`}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + t);
    byArea.set(where, (byArea.get(where) ?? 0) + t);
  }
  const rank = (m: Map<string, number>): ProfileEntry[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, t]) => ({ name, percent: total > 0 ? (100 * t) / total : 0 }));
  return { functions: rank(byFunction), areas: rank(byArea) };
}

/** The summary as markdown lists. */
export function renderProfile(path: string): string {
  const { functions, areas } = summariseProfile(path);
  const list = (entries: ProfileEntry[]): string => entries.map((e) => `- ${e.percent.toFixed(1)}% ${e.name}`).join('\n');
  return `Self time by area:\n\n${list(areas)}\n\nSelf time by function:\n\n${list(functions)}`;
}
