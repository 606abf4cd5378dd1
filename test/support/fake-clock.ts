/**
 * A fake {@link Clock} for tests: time stands still until the test moves it, and timers
 * fire in time order as it moves, each at its own time. Leases, delays, long-poll
 * deadlines and maintenance passes become exact and instant instead of real waits.
 */
import type { Clock, Timer } from '../../src/core/clock.js';

interface Pending {
  at: number;
  readonly order: number;
  readonly callback: () => void;
  readonly every: number | null;
  cancelled: boolean;
}

/** Lets promise callbacks and I/O callbacks queued so far run (a few event-loop turns). */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A clock the test drives with {@link FakeClock.advance}. */
export class FakeClock implements Clock {
  private time: number;
  private order = 0;
  private pending: Pending[] = [];

  constructor(start = 1_800_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): Timer {
    return this.add(callback, ms, null);
  }

  setInterval(callback: () => void, ms: number): Timer {
    return this.add(callback, ms, Math.max(1, ms));
  }

  /**
   * Moves time in `stepMs` steps until `done()` holds, at most `maxMs`; answers how far time
   * moved. For effects that also cross a socket (a stream frame), which a step's settle may
   * not see yet.
   */
  async advanceUntil(done: () => boolean, what: string, { stepMs = 5, maxMs = 5000 } = {}): Promise<number> {
    let moved = 0;
    while (!done()) {
      if (moved >= maxMs) throw new Error(`${what}: not done after ${maxMs} ms of fake time`);
      await this.advance(stepMs);
      moved += stepMs;
      await new Promise<void>((resolve) => setTimeout(resolve, 1)); // a socket's bytes may land
    }
    return moved;
  }

  /** Timers not yet fired nor cancelled. */
  timers(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }

  /**
   * Moves time forward by `ms`: each timer due on the way fires at its own time, in order,
   * and promise callbacks run (a few event-loop turns) after each, so work a timer starts
   * can arm the next one before time moves on.
   */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      const next = this.next();
      if (next === undefined || next.at > target) break;
      this.time = Math.max(this.time, next.at);
      if (next.every === null) next.cancelled = true;
      else next.at += next.every;
      next.callback();
      await settle();
    }
    this.time = target;
    this.pending = this.pending.filter((p) => !p.cancelled);
  }

  private next(): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.pending) {
      if (p.cancelled) continue;
      if (best === undefined || p.at < best.at || (p.at === best.at && p.order < best.order)) best = p;
    }
    return best;
  }

  private add(callback: () => void, ms: number, every: number | null): Timer {
    const entry: Pending = { at: this.time + Math.max(0, ms), order: this.order++, callback, every, cancelled: false };
    this.pending.push(entry);
    const timer: Timer = {
      cancel: () => {
        entry.cancelled = true;
      },
      unref: () => timer,
    };
    return timer;
  }
}
