/**
 * A due timer: the one timer a queue's waiters (long polls, streaming consumers) need for
 * work that becomes ready with no signal to say so: a delayed message becoming visible, a
 * lease ending (its message back in the queue, or moved to the dead-letter queue). It is
 * armed to the queue's next due time as the store reports it, never on a fixed interval;
 * when it fires its owner tries the queue again and, if still interested, arms it anew.
 */

import type { Clock, Timer } from './clock.js';

/** What a due timer needs, passed in by its owner. */
export interface DueTimerDeps {
  readonly queue: string;
  /** The queue's next due time (ms) or null; see MessageStore.nextDueAt. */
  readonly nextDueAt: (queue: string, now: number) => Promise<number | null>;
  /** Queue time and the timer. */
  readonly clock: Clock;
  /** Whether the owner still wants a wake-up (it has waiters or consumers); asked after each query. */
  readonly wanted: () => boolean;
  /** Called when the due time has come. */
  readonly fire: () => void;
}

/** Slack after the due time, so the store sees the work as due when the owner tries. */
const SLACK_MS = 5;

/** One queue's due timer. */
export class DueTimer {
  private timer: Timer | null = null;
  private dueAt = 0;
  /** A next-due query is under way; later requests share one follow-up query. */
  private arming = false;
  /** Someone asked to arm while a query was under way: query again when it ends (it may predate new work). */
  private rearm = false;
  private cleared = false;

  constructor(private readonly deps: DueTimerDeps) {}

  /** Arms the timer to the queue's next due time, if that is sooner than the armed one. */
  arm(): void {
    if (this.cleared) return;
    if (this.arming) {
      this.rearm = true;
      return;
    }
    this.arming = true;
    this.rearm = false;
    const settled = (): void => {
      this.arming = false;
      if (this.rearm) this.arm();
    };
    const { queue, nextDueAt, clock } = this.deps;
    nextDueAt(queue, clock.now()).then(
      (at) => {
        settled();
        if (at === null || this.cleared || !this.deps.wanted()) return;
        if (this.timer !== null && this.dueAt <= at) return;
        this.timer?.cancel();
        this.dueAt = at;
        this.timer = clock
          .setTimeout(() => {
            this.timer = null;
            this.deps.fire();
          }, Math.max(0, at - clock.now()) + SLACK_MS)
          .unref();
      },
      settled, // a failing store shows in the owner's own attempts
    );
  }

  /** Stops the timer for good (the owner has nobody left to wake, or closes). */
  clear(): void {
    this.cleared = true;
    this.timer?.cancel();
    this.timer = null;
  }
}
