/**
 * Per-turn batching: requests for the same queue that arrive in one event-loop turn share
 * one script call, as SQLite's group commit shares one transaction. Each caller still gets
 * its own answer; a failed call fails every caller in its batch (none of them was stored,
 * because a script runs atomically).
 */
import { at } from '../../core/checked.js';

interface Pending<In, Out> {
  readonly input: In;
  readonly resolve: (value: Out) => void;
  readonly reject: (reason: unknown) => void;
}

/** Collects inputs per key until the end of the turn, then runs one batch per key. */
export class TurnBatcher<In, Out> {
  private pending = new Map<string, Pending<In, Out>[]>();
  private scheduled = false;

  constructor(
    /** Runs one batch; must return exactly one output per input, in order. */
    private readonly runBatch: (key: string, inputs: readonly In[]) => Promise<readonly Out[]>,
  ) {}

  /** Queues `input` under `key` and resolves with its own output. */
  submit(key: string, input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      const list = this.pending.get(key);
      if (list === undefined) this.pending.set(key, [{ input, resolve, reject }]);
      else list.push({ input, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Starts every pending batch now (also used at close). */
  readonly flush = (): void => {
    this.scheduled = false;
    const batches = this.pending;
    this.pending = new Map();
    for (const [key, ops] of batches) {
      this.runBatch(
        key,
        ops.map((op) => op.input),
      ).then(
        (outputs) => {
          ops.forEach((op, i) => {
            if (i < outputs.length) op.resolve(at(outputs, i));
            else op.reject(new Error(`batch for ${key} returned ${outputs.length} results for ${ops.length} inputs`));
          });
        },
        (err: unknown) => {
          for (const op of ops) op.reject(err);
        },
      );
    }
  };
}
