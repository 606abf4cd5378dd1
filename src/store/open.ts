/**
 * Opening a store: the one list of store factories, in the order they are asked. The
 * first whose settings select it is opened; SQLite, which every config selects, comes
 * last. Adding a store means a folder under `src/store/` with its factory, its settings in
 * SETTINGS (src/config.ts), and one entry in {@link FACTORIES}.
 */
import type { OpenDeps, OpenedStore, StoreFactory } from './factory.js';
import { redisFactory } from './redis/factory.js';
import { sqliteFactory } from './sqlite/factory.js';

/** Every store, most specific first. */
const FACTORIES = [redisFactory, sqliteFactory] as const;

type Factory = (typeof FACTORIES)[number];
type SettingsOf<F> = F extends StoreFactory<infer S, unknown> ? S : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Every setting any store reads: the daemon's config has them all. */
export type StoreSettings = Intersection<SettingsOf<Factory>>;

/** A store chosen by the settings, ready to open. */
export interface ChosenStore {
  /** The chosen store's name ("sqlite", "redis"). */
  readonly kind: string;
  /** Whether several processes may serve it at once (the factory's `sharedByProcesses`). */
  readonly sharedByProcesses: boolean;
  /** Opens it. */
  open(deps: OpenDeps): Promise<OpenedStore>;
}

function choose<S, P>(factory: StoreFactory<S, P>, settings: S): ChosenStore | null {
  const parsed = factory.parse(settings);
  return parsed === null ? null : { kind: factory.kind, sharedByProcesses: factory.sharedByProcesses, open: (deps) => factory.open(parsed, deps) };
}

/**
 * The store the settings select; throws StoreSettingsError when they contradict each
 * other. Opens nothing, so the config loader calls it to validate.
 */
export function chooseStore(settings: StoreSettings): ChosenStore {
  // Each factory reads a slice of StoreSettings, so each fits this wider type.
  const factories: readonly StoreFactory<StoreSettings, unknown>[] = FACTORIES;
  for (const factory of factories) {
    const chosen = choose(factory, settings);
    if (chosen !== null) return chosen;
  }
  throw new Error('no store is selected (the last factory always selects)');
}

/** Opens the store the settings select, with its signal bus. */
export function openStore(settings: StoreSettings, deps: OpenDeps): Promise<OpenedStore> {
  return chooseStore(settings).open(deps);
}
