/**
 * One clock for queue time. Every owner of a timer that measures queue semantics (due
 * timers for delays and leases, long-poll deadlines, streaming dispatch, the stores'
 * maintenance passes) takes a {@link Clock} instead of reading `Date.now` and calling
 * `setTimeout` itself, so a test can pass a fake clock and drive leases, delays and
 * expiry exactly, without waiting. Timers that measure the network (socket deadlines,
 * heartbeats, the Redis call deadline, shutdown grace) stay on the real clock: they bound
 * real waits for real peers.
 */

/** A timer started by a {@link Clock}. */
export interface Timer {
  /** Stops the timer; nothing happens if it already fired or was cancelled. */
  cancel(): void;
  /** Lets the process exit while this timer is pending (a no-op on a fake clock); returns the timer. */
  unref(): Timer;
}

/** Time and timers, injected. */
export interface Clock {
  /** The current time, ms since the epoch. */
  now(): number;
  /** Calls `callback` once, `ms` from now. */
  setTimeout(callback: () => void, ms: number): Timer;
  /** Calls `callback` every `ms` until cancelled. */
  setInterval(callback: () => void, ms: number): Timer;
}

function wrap(handle: NodeJS.Timeout, stop: (handle: NodeJS.Timeout) => void): Timer {
  const timer: Timer = {
    cancel: () => stop(handle),
    unref: () => {
      handle.unref();
      return timer;
    },
  };
  return timer;
}

/** The real clock: `Date.now` and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => wrap(setTimeout(callback, ms), clearTimeout),
  setInterval: (callback, ms) => wrap(setInterval(callback, ms), clearInterval),
};

/** The real clock's timers with another source of `now`: for callers that only move time. */
export function clockWithNow(now: () => number): Clock {
  return { ...systemClock, now };
}
