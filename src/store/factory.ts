/**
 * What a store brings to be opened: a factory that parses its own settings and opens the
 * store with whatever else it needs (a signal bus fitting it: in-process for a store one
 * daemon owns, pub/sub for a shared one). `open.ts` lists the factories and picks the first
 * whose settings select it; nothing outside `src/store/` knows which stores exist.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { SignalBus } from '../core/signals.js';
import type { Store } from './contract.js';

/** Settings of a store that contradict each other; the config loader reports it as a ConfigError (exit 2). */
export class StoreSettingsError extends Error {
  override readonly name = 'StoreSettingsError';
}

/** What every store is opened with, besides its own settings. */
export interface OpenDeps {
  readonly logger: Logger;
  /** Queue time and timers (maintenance passes). */
  readonly clock: Clock;
}

/** An open store and what the daemon reports about it. */
export interface OpenedStore {
  readonly store: Store;
  /** The signal bus that carries this store's wake-ups (owned by the caller, who closes it). */
  readonly signals: SignalBus;
  /** Where the store lives, for the start-up log line (no credentials). */
  readonly about: Readonly<Record<string, unknown>>;
  /** The folder whose `restmq.db-wal` /metrics reports, or null for a store without one. */
  readonly dataDir: string | null;
}

/**
 * One kind of store. `S` is the slice of the daemon's settings it reads (the config has
 * them as fields); `P` its parsed settings.
 */
export interface StoreFactory<S, P> {
  /** The store's name, as the store reports it in `kind`. */
  readonly kind: string;
  /**
   * Whether several processes may serve one store at once (several daemons, or the workers of
   * `--workers`): true for a store that lives outside the daemon (Redis), false for one a
   * single process owns (the embedded SQLite file).
   */
  readonly sharedByProcesses: boolean;
  /**
   * The parsed settings when `settings` select this store, null when they do not; throws
   * {@link StoreSettingsError} when they select it in a contradictory way. Pure: the
   * config loader calls it to validate before anything opens.
   */
  parse(settings: S): P | null;
  /** Opens the store (and its signal bus) from what {@link parse} returned. */
  open(parsed: P, deps: OpenDeps): Promise<OpenedStore>;
}
