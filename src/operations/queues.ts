/**
 * Operations on whole queues: list, stats, settings (policy, status, config), purge, drop,
 * redrive, the newest keys, and the store's readiness.
 */
import type { QueueConfig } from '../core/broker.js';
import type { Policy, QueueSettings, QueueStats, QueueStatus } from '../core/types.js';
import type { Redriven } from '../store/contract.js';
import { operation } from './operation.js';
import type { QueueInput } from './operation.js';

/**
 * Input of the operations that list queues: only queues `visible` accepts are answered,
 * so a caller sees the queues it may consume and no others.
 */
export interface ListingInput {
  readonly visible: (queue: string) => boolean;
}

/** Input of `configure`: a settings patch already parsed (src/operations/parse-config.ts). */
export interface ConfigureInput extends QueueInput {
  readonly patch: Partial<QueueSettings>;
}

/** Input of `setPolicy`. */
export interface PolicyInput extends QueueInput {
  readonly policy: Policy;
}

/** Input of `setStatus`: start or stop streaming delivery. */
export interface StatusInput extends QueueInput {
  readonly status: QueueStatus;
}

/** Input of `redrive`. */
export interface RedriveInput extends QueueInput {
  /** Most dead letters moved. */
  readonly count: number;
}

/** What `stats` answers: the queue's stats, or its settings alone when it holds nothing yet. */
export type StatsResult =
  | { readonly exists: true; readonly stats: QueueStats }
  | { readonly exists: false; readonly settings: QueueSettings };

/** Input of `latestKeys`. */
export interface LatestKeysInput extends QueueInput {
  readonly limit?: number;
}

/** Names of the visible queues, sorted. */
export const listQueues = operation({
  access: 'consume',
  run: async ({ broker }, input: ListingInput): Promise<string[]> => (await broker.listQueues()).filter(input.visible),
});

/** Stats of every visible queue. */
export const allStats = operation({
  access: 'consume',
  run: async ({ broker }, input: ListingInput): Promise<QueueStats[]> => (await broker.allStats()).filter((s) => input.visible(s.queue)),
});

/** Stats of one queue. */
export const stats = operation({
  access: 'consume',
  run: async ({ broker }, input: QueueInput): Promise<StatsResult> => {
    const found = await broker.stats(input.queue);
    if (found !== null) return { exists: true, stats: found };
    return { exists: false, settings: await broker.settings(input.queue) };
  },
});

/** The newest keys of a queue, newest first, with its stats (the `/j` page). */
export const latestKeys = operation({
  access: 'consume',
  run: async ({ broker }, input: LatestKeysInput): Promise<{ stats: QueueStats | null; keys: string[] }> => {
    const [found, keys] = await Promise.all([broker.stats(input.queue), broker.latestKeys(input.queue, input.limit)]);
    return { stats: found, keys };
  },
});

/** The queue's settings (defaults for a queue never configured). */
export const settings = operation({
  access: 'consume',
  run: ({ broker }, input: QueueInput): Promise<QueueSettings> => broker.settings(input.queue),
});

/** The queue's settings and the dead-letter queue they resolve to. */
export const config = operation({
  access: 'consume',
  run: ({ broker }, input: QueueInput): Promise<QueueConfig> => broker.config(input.queue),
});

/** Changes settings by a patch. */
export const configure = operation({
  access: 'admin',
  run: ({ broker }, input: ConfigureInput): Promise<QueueConfig> => broker.configure(input.queue, input.patch),
});

/** Sets the streaming policy. */
export const setPolicy = operation({
  access: 'admin',
  run: ({ broker }, input: PolicyInput): Promise<QueueSettings> => broker.setPolicy(input.queue, input.policy),
});

/** Starts or stops streaming delivery. */
export const setStatus = operation({
  access: 'admin',
  run: ({ broker }, input: StatusInput): Promise<QueueSettings> => broker.setStatus(input.queue, input.status),
});

/** Deletes every message and the broadcast history; answers how many messages went. */
export const purge = operation({
  access: 'admin',
  run: ({ broker }, input: QueueInput): Promise<number> => broker.purge(input.queue),
});

/** Deletes the queue entirely (messages, settings, numbering); answers how many messages went. */
export const drop = operation({
  access: 'admin',
  run: ({ broker }, input: QueueInput): Promise<number> => broker.dropQueue(input.queue),
});

/** Moves up to `count` dead letters back to their source queues. */
export const redrive = operation({
  access: 'admin',
  run: ({ broker }, input: RedriveInput): Promise<Redriven[]> => broker.redrive(input.queue, input.count),
});

/** How many long polls wait on this daemon, over every queue (a figure of /metrics). */
export const parkedLongPolls = operation({
  access: 'consume',
  run: ({ broker }, _input: Record<string, never>): number => broker.parkedLongPolls(),
});

/** Resolves when the store answers; `store_unavailable` otherwise. */
export const ready = operation({
  access: 'public',
  run: ({ broker }, _input: Record<string, never>): Promise<void> => broker.ready(),
});

/** How many long polls wait on one queue on this daemon (the dashboard's consumers by transport). */
export const waiting = operation({
  access: 'consume',
  run: ({ broker }, input: QueueInput): number => broker.waiting(input.queue),
});
