/**
 * The seam between the SQS adapter and the core: every call the adapter makes into RestMQ
 * goes through this one type, so moving the adapter onto the operations table (or any
 * other core surface) changes this file only.
 */
import type { Broker } from '../core/broker.js';

/** The core operations SQS actions are built from. */
export type SqsBackend = Pick<
  Broker,
  'publishBatch' | 'receive' | 'ack' | 'release' | 'extend' | 'config' | 'configure' | 'purge' | 'dropQueue' | 'stats' | 'listQueues' | 'redrive'
>;

/** The backend over the Broker. */
export function brokerBackend(broker: Broker): SqsBackend {
  return broker;
}
