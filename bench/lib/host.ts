/**
 * What the machine did during a load phase: the 1-minute load average when it began, and
 * the CPU seconds the daemon, its redis-server and the load generator each used, read from
 * /proc (Linux). On a shared two-core machine a ratio means little without them: a daemon
 * short of CPU, or a load generator eating a core, shows here.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

let ticks: number | null = null;

/** Clock ticks per second of /proc's CPU fields (`getconf CLK_TCK`, 100 when unknown). */
function clockTicks(): number {
  if (ticks === null) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout;
    const n = Number(typeof out === 'string' ? out.trim() : '');
    ticks = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return ticks;
}

/** Fields of /proc/<pid>/stat after the command name, so index 0 is field 3 (`state`). */
function statFields(pid: number | 'self'): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** User + system CPU seconds `pid` has used so far; null once it is gone or off Linux. */
export function cpuSeconds(pid: number): number | null {
  const f = statFields(pid);
  if (f === null) return null;
  return (Number(f[11]) + Number(f[12])) / clockTicks();
}

/**
 * User + system CPU seconds of this process's children that have exited and were reaped
 * (cutime + cstime of /proc/self/stat): the delta over a phase is the wrk process it ran,
 * since nothing else the bench started exits during a phase.
 */
export function reapedChildrenCpuSeconds(): number | null {
  const f = statFields('self');
  if (f === null) return null;
  return (Number(f[13]) + Number(f[14])) / clockTicks();
}

/** A process whose CPU a phase reports, e.g. `{ label: 'daemon', pid }`. */
export interface Watched {
  readonly label: string;
  readonly pid: number;
}

/** The host figures of one phase. */
export interface PhaseHost {
  /** 1-minute load average when the phase began. */
  readonly load1: number;
  /** Wall seconds of the phase. */
  readonly seconds: number;
  /** CPU seconds per watched process and the load generator, in order. */
  readonly cpu: readonly { readonly label: string; readonly seconds: number }[];
}

/** Starts watching `processes`; `finish(generator)` closes the phase with the generator's CPU seconds. */
export function watchPhase(processes: readonly Watched[]): { finish(generator: { label: string; seconds: number | null }): PhaseHost } {
  const load1 = loadavg()[0] ?? 0;
  const started = performance.now();
  const before = processes.map((p) => cpuSeconds(p.pid));
  return {
    finish(generator) {
      const seconds = (performance.now() - started) / 1000;
      const cpu: { label: string; seconds: number }[] = [];
      processes.forEach((p, i) => {
        const a = before[i];
        const b = cpuSeconds(p.pid);
        if (a !== null && a !== undefined && b !== null) cpu.push({ label: p.label, seconds: b - a });
      });
      if (generator.seconds !== null) cpu.push({ label: generator.label, seconds: generator.seconds });
      return { load1, seconds, cpu };
    },
  };
}

/** `load 1.23; CPU daemon 1.9 s (95%), redis-server 0.4 s (20%), wrk 0.5 s (25%)`: percent of one core over the phase. */
export function describeHost(h: PhaseHost): string {
  return `load ${h.load1.toFixed(2)}${describeCpu(h.cpu, h.seconds)}`;
}

function describeCpu(cpu: PhaseHost['cpu'], seconds: number): string {
  const parts = cpu.map((c) => `${c.label} ${c.seconds.toFixed(1)} s (${Math.round((100 * c.seconds) / seconds)}%)`);
  return parts.length === 0 ? '' : `; CPU ${parts.join(', ')}`;
}

/** Several phases of one side (e.g. rounds) summed: `load 1.10-2.30; CPU daemon 3.8 s (95%), ...`. */
export function describeHosts(hosts: readonly PhaseHost[]): string {
  if (hosts.length === 0) return 'no phases';
  const loads = hosts.map((h) => h.load1);
  const seconds = hosts.reduce((sum, h) => sum + h.seconds, 0);
  const cpu = new Map<string, number>();
  for (const h of hosts) for (const c of h.cpu) cpu.set(c.label, (cpu.get(c.label) ?? 0) + c.seconds);
  const total = [...cpu].map(([label, s]) => ({ label, seconds: s }));
  return `load ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}${describeCpu(total, seconds)}`;
}
