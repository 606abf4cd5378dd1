/**
 * What SQS keeps per queue that RestMQ's queue settings have no column for: tags, the
 * attributes that change nothing here (Policy, KMS), `ReceiveMessageWaitTimeSeconds`,
 * `MaximumMessageSize` and a FIFO queue's attributes. Kept in the store with the queue's
 * settings, as one JSON text (`QueueSettings.extra`), so they survive restarts and every
 * daemon on a Redis store sees the same; validated when read, since anything may have
 * written the store.
 *
 * SendMessage and ReceiveMessage need some of these attributes on every request (the size
 * limit, the wait, a FIFO queue's deduplication), so each
 * daemon remembers a queue's extras for {@link EXTRAS_FRESH_MS} after reading them: a
 * change made through another daemon takes effect here within that time.
 */
import { MAX_QUEUE_EXTRA_BYTES } from '../core/types.js';
import type { SqsBackend } from './backend.js';
import { SqsError } from './errors.js';

/** One queue's extras. */
export interface Extras {
  readonly attributes: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

/** How long a daemon trusts extras it read, ms. */
export const EXTRAS_FRESH_MS = 1000;

/** Most queues whose extras a daemon remembers; the memory is dropped when it is full. */
const MEMORY = 10_000;

const NONE: Extras = Object.freeze({ attributes: Object.freeze({}), tags: Object.freeze({}) });

/** A record of strings from stored JSON, or null when it is not one. */
function stringRecord(value: unknown): Record<string, string> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') return null;
    out[key] = v;
  }
  return out;
}

/** Extras from the stored text: none when absent or malformed (a store written by something else). */
export function parseExtras(text: string | null): Extras {
  if (text === null || text === '') return NONE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return NONE;
  }
  if (typeof parsed !== 'object' || parsed === null) return NONE;
  const { attributes, tags } = parsed as Record<string, unknown>;
  return { attributes: stringRecord(attributes ?? {}) ?? {}, tags: stringRecord(tags ?? {}) ?? {} };
}

/** The text to store; throws `InvalidAttributeValue` past {@link MAX_QUEUE_EXTRA_BYTES}. */
export function serializeExtras(extras: Extras): string | null {
  if (Object.keys(extras.attributes).length === 0 && Object.keys(extras.tags).length === 0) return null;
  const text = JSON.stringify({ attributes: extras.attributes, tags: extras.tags });
  if (Buffer.byteLength(text, 'utf8') > MAX_QUEUE_EXTRA_BYTES) {
    throw new SqsError('InvalidAttributeValue', `A queue's attributes and tags together are limited to ${MAX_QUEUE_EXTRA_BYTES} bytes.`);
  }
  return text;
}

/** The extras of every queue, read from and written to the store through the backend. */
export class QueueExtras {
  private readonly memory = new Map<string, { extras: Extras; until: number }>();

  constructor(
    private readonly backend: SqsBackend,
    private readonly now: () => number = Date.now,
  ) {}

  /** The queue's extras as stored now (none for a queue never given any). */
  async read(queue: string): Promise<Extras> {
    const { settings } = await this.backend.config(queue);
    return this.remember(queue, parseExtras(settings.extra));
  }

  /** The queue's extras, as read at most {@link EXTRAS_FRESH_MS} ago: the hot path's. */
  async recent(queue: string): Promise<Extras> {
    const known = this.memory.get(queue);
    if (known !== undefined && known.until > this.now()) return known.extras;
    return this.read(queue);
  }

  /** One attribute, as {@link recent} has it. */
  async attribute(queue: string, name: string): Promise<string | undefined> {
    return (await this.recent(queue)).attributes[name];
  }

  /**
   * Changes the queue's extras: reads the stored ones, applies `change` and writes the
   * result. Two daemons changing one queue's extras at the same instant may lose one change.
   */
  async update(queue: string, change: (current: Extras) => Extras): Promise<void> {
    const next = change(await this.read(queue));
    const { settings } = await this.backend.configure(queue, { extra: serializeExtras(next) });
    this.remember(queue, parseExtras(settings.extra));
  }

  /** Remembers extras just stored with other settings (CreateQueue's one write). */
  remember(queue: string, extras: Extras): Extras {
    if (this.memory.size >= MEMORY) this.memory.clear();
    this.memory.set(queue, { extras, until: this.now() + EXTRAS_FRESH_MS });
    return extras;
  }

  /** Forgets a deleted queue. */
  drop(queue: string): void {
    this.memory.delete(queue);
  }
}
