/**
 * What the Redis store's roles share: the connections (one per queue, so a queue's
 * commands stay in order), the scripts, the key space, the registry of queue names, and
 * the count of calls in flight that close waits for. Every call goes through
 * {@link RedisContext.call}, which maps failures to `store_unavailable` (errors.ts) and
 * gives the whole call one deadline: however many commands, retries or reconnects it
 * waits for, it answers within the timeout.
 */
import { randomBytes } from 'node:crypto';
import { at } from '../../core/checked.js';
import type { BackgroundFailures } from '../background-failures.js';
import { DueRegistry } from './due-registry.js';
import { guard } from './errors.js';
import type { KeySpace } from './keys.js';
import type { RedisClient } from './connection.js';
import type { ScriptName, Scripts } from './scripts.js';

/** Queue names remembered as registered before the memory is dropped and rebuilt. */
const REGISTERED_CACHE_LIMIT = 100_000;

/** The connections, scripts and key space shared by both roles. */
export class RedisContext {
  private inFlight = 0;
  private readonly idle: Array<() => void> = [];
  private readonly registered = new Set<string>();
  /** Queues with due work, for the maintenance pass (due-registry.ts). */
  readonly due: DueRegistry;

  constructor(
    readonly clients: readonly RedisClient[],
    readonly keys: KeySpace,
    readonly scripts: Scripts,
    /** Deadline of one call, ms (`--redis-timeout-ms`). */
    private readonly timeoutMs: number,
    /** Where background work (maintenance, best-effort bookkeeping) reports failures. */
    readonly failures: BackgroundFailures,
  ) {
    // After a reconnect Redis may have lost data (no persistence, a failover): register anew.
    for (const client of clients) client.on('ready', () => this.registered.clear());
    this.due = new DueRegistry(this.primary, keys, scripts, failures);
  }

  /** The first connection: it serves what belongs to no queue (registries, listing). */
  get primary(): RedisClient {
    return at(this.clients, 0, 'redis connection');
  }

  /** The connection that serves `queue`: always the same one, so its commands stay ordered. */
  clientFor(queue: string): RedisClient {
    if (this.clients.length === 1) return this.primary;
    let h = 0;
    for (let i = 0; i < queue.length; i++) h = (h * 31 + queue.charCodeAt(i)) >>> 0;
    return at(this.clients, h % this.clients.length, 'redis connection');
  }

  /**
   * Runs `work` with failures mapped to `store_unavailable` and one deadline for all of it;
   * counted so close can wait. Work past its deadline goes on in the background (its
   * caller was answered 503: the outcome is unknown, as for any timeout) and is no longer
   * waited for.
   */
  async call<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    let timer: NodeJS.Timeout | undefined;
    try {
      // Started at once (callers rely on the order their commands reach Redis); a
      // synchronous throw is mapped like a rejection.
      let running: Promise<T>;
      try {
        running = work();
      } catch (err) {
        running = Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from Redis within ${this.timeoutMs} ms`)), this.timeoutMs);
      });
      running.catch(() => undefined); // a late failure is nobody's to handle
      return await guard(Promise.race([running, late]));
    } finally {
      clearTimeout(timer);
      this.inFlight--;
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  /** Runs a script for `queue` on its connection. */
  script(queue: string, name: ScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return this.scripts.run(this.clientFor(queue), name, keys, args);
  }

  /** True when this daemon already put `queue` in the registry since it last connected. */
  isRegistered(queue: string): boolean {
    return this.registered.has(queue);
  }

  /**
   * Adds `queue` to the registry of names once per connection lifetime, or again when
   * `force` (a script just created the queue, maybe after another daemon dropped it).
   */
  async register(queue: string, force = false): Promise<void> {
    if (this.registered.has(queue) && !force) return;
    await this.primary.sadd(this.keys.registry, queue);
    if (this.registered.size >= REGISTERED_CACHE_LIMIT) this.registered.clear();
    this.registered.add(queue);
  }

  /** Forgets that `queue` is registered (it was dropped). */
  unregistered(queue: string): void {
    this.registered.delete(queue);
  }

  /** Runs a script over every key of `queue` (the 15-key queue scripts). */
  queueScript(queue: string, name: ScriptName, args: readonly (string | number)[]): Promise<unknown> {
    return this.scripts.run(this.clientFor(queue), name, this.keys.queue(queue).all, args);
  }

  /** A fresh random prefix for the move ids a script may create (`<nonce>:<seq>`). */
  nonce(): string {
    return randomBytes(9).toString('base64url');
  }

  /** Resolves once no call is running. */
  drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}

