/**
 * Long polls: receivers parked until their queue has something for them. Waiters wake on
 * the SignalBus's 'message' signals (in-process, or from other daemons on a shared bus),
 * never by polling the store in a loop. Per queue there is one FIFO of waiters, one bus
 * subscription and at most one timer, armed to the queue's next due time (a delayed message
 * becoming visible, a lease ending); a waiter costs an entry in that FIFO and its own
 * deadline timer, nothing more.
 *
 * A signal wakes one waiter, which tries the store (an atomic take or lease, so a message
 * goes to exactly one receiver). A waiter that got messages passes the wake on to the next
 * one (a batch publish sends one signal for many messages); a waiter that got nothing goes
 * back to the front. A signal that arrives while a waiter is trying is not lost: the waiter
 * tries again when the queue's signal count moved during its attempt.
 */
import type { Clock, Timer } from './clock.js';
import { DueTimer } from './due-timer.js';
import type { SignalBus } from './signals.js';

interface Waiter {
  readonly attempt: () => Promise<unknown[]>;
  readonly resolve: (messages: unknown[]) => void;
  readonly reject: (err: unknown) => void;
  timer: Timer | null;
  busy: boolean;
  done: boolean;
  /** Deadline passed while busy: answer with whatever the attempt brings. */
  expired: boolean;
  cleanup: () => void;
}

interface Lane {
  readonly queue: string;
  readonly waiters: Waiter[];
  /** Waiters currently inside an attempt. */
  busy: number;
  /** 'message' signals seen (and due timers fired); an attempt compares it before and after. */
  generation: number;
  unsubscribe: () => void;
  readonly due: DueTimer;
}

/** What the long polls need from the broker. */
export interface LongPollDeps {
  readonly signals: SignalBus;
  /** The queue's next due time (ms) or null; see MessageStore.nextDueAt. */
  readonly nextDueAt: (queue: string, now: number) => Promise<number | null>;
  /** Queue time, the wait deadlines and the due timers. */
  readonly clock: Clock;
}

/** The long polls of one broker. */
export class LongPolls {
  private readonly lanes = new Map<string, Lane>();
  private closed = false;

  constructor(private readonly deps: LongPollDeps) {}

  /** How many receivers are parked on `queue` (for tests and stats). */
  waiting(queue: string): number {
    return this.lanes.get(queue)?.waiters.length ?? 0;
  }

  /** How many receivers are parked on every queue together. */
  parked(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.waiters.length;
    return n;
  }

  /**
   * Answers what `attempt` returns as soon as it returns something, or [] once `waitMs`
   * pass, the `abort` signal fires, or the long polls close.
   */
  async wait<T>(queue: string, attempt: () => Promise<T[]>, waitMs: number, abort?: AbortSignal): Promise<T[]> {
    if (waitMs <= 0 || this.closed) return attempt();
    const lane = this.lane(queue);
    lane.busy += 1;
    const seen = lane.generation;
    let first: T[];
    try {
      first = await attempt();
    } finally {
      lane.busy -= 1;
    }
    if (first.length > 0 || this.closed || abort?.aborted === true) {
      this.retire(lane);
      return first;
    }
    return new Promise<T[]>((resolve, reject) => {
      const waiter: Waiter = {
        attempt,
        resolve: resolve as (messages: unknown[]) => void,
        reject,
        timer: null,
        busy: false,
        done: false,
        expired: false,
        cleanup: () => abort?.removeEventListener('abort', onAbort),
      };
      const onAbort = (): void => this.expire(lane, waiter);
      abort?.addEventListener('abort', onAbort, { once: true });
      waiter.timer = this.deps.clock.setTimeout(() => this.expire(lane, waiter), waitMs);
      lane.waiters.push(waiter);
      if (lane.generation !== seen) this.wakeOne(lane);
      else this.armDue(lane);
    });
  }

  /** Answers every parked receiver with [] and refuses to park new ones. */
  close(): void {
    this.closed = true;
    for (const lane of [...this.lanes.values()]) {
      for (const waiter of [...lane.waiters]) this.finish(lane, waiter, []);
    }
  }

  private lane(queue: string): Lane {
    const lane = this.lanes.get(queue);
    if (lane !== undefined) return lane;
    const created: Lane = {
      queue,
      waiters: [],
      busy: 0,
      generation: 0,
      unsubscribe: () => undefined,
      due: new DueTimer({
        queue,
        nextDueAt: this.deps.nextDueAt,
        clock: this.deps.clock,
        wanted: () => created.waiters.length > 0 && this.lanes.get(queue) === created,
        fire: () => {
          created.generation += 1;
          this.wakeOne(created);
        },
      }),
    };
    created.unsubscribe = this.deps.signals.subscribe(queue, (signal) => {
      if (signal.kind !== 'message') return;
      created.generation += 1;
      this.wakeOne(created);
    });
    this.lanes.set(queue, created);
    return created;
  }

  /** Drops the lane once nobody waits or tries on it. */
  private retire(lane: Lane): void {
    if (lane.waiters.length > 0 || lane.busy > 0 || this.lanes.get(lane.queue) !== lane) return;
    lane.unsubscribe();
    lane.due.clear();
    this.lanes.delete(lane.queue);
  }

  private wakeOne(lane: Lane): void {
    const waiter = lane.waiters.shift();
    if (waiter === undefined) return;
    waiter.busy = true;
    lane.busy += 1;
    const seen = lane.generation;
    waiter.attempt().then(
      (messages) => {
        waiter.busy = false;
        lane.busy -= 1;
        if (messages.length > 0 || waiter.expired || waiter.done || this.closed) {
          this.finish(lane, waiter, messages);
          if (messages.length > 0) this.wakeOne(lane); // there may be more: pass the wake on
          return;
        }
        lane.waiters.unshift(waiter);
        if (lane.generation !== seen) this.wakeOne(lane);
        else this.armDue(lane);
      },
      (err: unknown) => {
        waiter.busy = false;
        lane.busy -= 1;
        this.finish(lane, waiter, null, err);
        this.wakeOne(lane);
      },
    );
  }

  private expire(lane: Lane, waiter: Waiter): void {
    if (waiter.busy) {
      waiter.expired = true; // its attempt is under way; it answers with what that brings
      return;
    }
    this.finish(lane, waiter, []);
  }

  private finish(lane: Lane, waiter: Waiter, messages: unknown[] | null, err?: unknown): void {
    if (waiter.done) return;
    waiter.done = true;
    waiter.timer?.cancel();
    waiter.cleanup();
    const at = lane.waiters.indexOf(waiter);
    if (at >= 0) lane.waiters.splice(at, 1);
    if (messages === null) waiter.reject(err);
    else waiter.resolve(messages);
    this.retire(lane);
  }

  /** Arms the lane's one timer to the queue's next due time, if that is sooner than the armed one. */
  private armDue(lane: Lane): void {
    lane.due.arm();
  }
}
