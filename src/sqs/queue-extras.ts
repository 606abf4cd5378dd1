/**
 * What SQS keeps per queue that RestMQ's queue settings have no column for: tags, the
 * attributes that change nothing here (Policy, KMS), `ReceiveMessageWaitTimeSeconds` and
 * `MaximumMessageSize`. Held in this daemon's memory: lost on restart and not shared
 * between daemons (docs/sqs.md says so).
 */

/** One queue's extras. */
export interface Extras {
  readonly attributes: Map<string, string>;
  readonly tags: Map<string, string>;
}

/** Extras of every queue of this daemon. */
export class QueueExtras {
  private readonly queues = new Map<string, Extras>();

  /** The queue's extras (empty ones for a queue never given any). */
  of(queue: string): Extras {
    let extras = this.queues.get(queue);
    if (extras === undefined) {
      extras = { attributes: new Map(), tags: new Map() };
      this.queues.set(queue, extras);
    }
    return extras;
  }

  /** One extra attribute, or undefined. */
  attribute(queue: string, name: string): string | undefined {
    return this.queues.get(queue)?.attributes.get(name);
  }

  /** Forgets a deleted queue. */
  drop(queue: string): void {
    this.queues.delete(queue);
  }
}
