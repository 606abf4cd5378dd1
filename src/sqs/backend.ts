/**
 * The seam between the SQS adapter and the core: every call the adapter makes into RestMQ
 * goes through this one interface, implemented over the operations table (src/operations),
 * so SQS runs the same operations as every other transport and a change of the core's
 * surface changes this file only.
 */
import type { PublishInput, PublishResult, QueueConfig, ReceiveOptions, ReleaseResult } from '../core/broker.js';
import type { LeasedMessage, QueueSettings, QueueStats } from '../core/types.js';
import type { Operations } from '../operations/index.js';
import type { Redriven } from '../store/contract.js';

/** The core operations SQS actions are built from, in the Broker's terms. */
export interface SqsBackend {
  publishBatch(queue: string, messages: readonly PublishInput[]): Promise<PublishResult[]>;
  /** Leases (ReceiveMessage always leases) up to `count`, waiting up to `waitSeconds`. */
  receive(queue: string, options: ReceiveOptions & { readonly lease: { readonly seconds: number | null } }): Promise<LeasedMessage[]>;
  ack(key: string, receipt: string, queue: string): Promise<void>;
  release(key: string, receipt: string, delaySeconds: number, queue: string): Promise<ReleaseResult>;
  extend(key: string, receipt: string, seconds: number, queue: string): Promise<number>;
  config(queue: string): Promise<QueueConfig>;
  configure(queue: string, patch: Partial<QueueSettings>): Promise<QueueConfig>;
  purge(queue: string): Promise<number>;
  dropQueue(queue: string): Promise<number>;
  /** Stats of the queue, or null when it does not exist. */
  stats(queue: string): Promise<QueueStats | null>;
  /** Every queue's name, sorted (the adapter filters what the caller may see). */
  listQueues(): Promise<string[]>;
  redrive(queue: string, count: number): Promise<Redriven[]>;
}

/** The backend over the operations table. */
export function operationsBackend(ops: Operations): SqsBackend {
  return {
    publishBatch: (queue, messages) => ops.publishBatch({ queue, messages: [...messages] }),
    // A leased receive answers leased messages only.
    receive: async (queue, options) => (await ops.receive({ queue, ...options })).messages as LeasedMessage[],
    ack: (key, receipt, queue) => ops.ack({ queue, key, receipt }),
    release: (key, receipt, delaySeconds, queue) => ops.release({ queue, key, receipt, delaySeconds }),
    extend: (key, receipt, seconds, queue) => ops.extend({ queue, key, receipt, seconds }),
    config: (queue) => ops.config({ queue }),
    configure: (queue, patch) => ops.configure({ queue, patch }),
    purge: (queue) => ops.purge({ queue }),
    dropQueue: (queue) => ops.drop({ queue }),
    stats: async (queue) => {
      const found = await ops.stats({ queue });
      return found.exists ? found.stats : null;
    },
    listQueues: () => ops.listQueues({ visible: () => true }),
    redrive: (queue, count) => ops.redrive({ queue, count }),
  };
}
