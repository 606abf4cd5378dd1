/**
 * Parses a queue config patch (`PUT /q/<queue>/config`, already JSON-parsed) into settings,
 * field by field, with an error naming the bad field. Wire names are RestMQ's; a protocol
 * with other names (SQS attributes) builds the same `Partial<QueueSettings>` itself.
 */
import { RestMQError } from '../core/errors.js';
import {
  MAX_ATTEMPTS_LIMIT,
  MAX_DEDUP_WINDOW_SECONDS,
  MAX_DELAY_SECONDS,
  MAX_LEASE_SECONDS,
  MAX_LENGTH_LIMIT,
  MAX_TTL_SECONDS,
} from '../core/limits.js';
import { parseQueueName } from '../core/names.js';
import type { QueueSettings } from '../core/types.js';
import { parsePolicy, parseStatusCommand } from './parse.js';

/** The wire names of the settings, as `GET`/`PUT /q/<queue>/config` spell them. */
export const CONFIG_FIELDS = [
  'policy',
  'status',
  'lease',
  'max_attempts',
  'dead_letter',
  'delay',
  'ttl',
  'max_length',
  'dedup_window',
] as const;

function configError(field: string, rule: string): RestMQError {
  return new RestMQError('invalid_config', `config field ${field} ${rule}`);
}

function field(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw configError(name, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Parses a `PUT /q/<queue>/config` body (already JSON-parsed) into a settings patch. */
export function parseConfigPatch(queue: string, input: unknown): Partial<QueueSettings> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RestMQError('invalid_config', 'queue config must be a JSON object');
  }
  const body = input as Record<string, unknown>;
  const patch: { -readonly [K in keyof QueueSettings]?: QueueSettings[K] } = {};
  for (const [name, value] of Object.entries(body)) {
    switch (name) {
      case 'policy':
        patch.policy = wrap(name, () => parsePolicy(value));
        break;
      case 'status':
        patch.status = wrap(name, () => parseStatusCommand(value));
        break;
      case 'lease':
        patch.leaseSeconds = field(value, name, 1, MAX_LEASE_SECONDS);
        break;
      case 'max_attempts':
        patch.maxAttempts = field(value, name, 0, MAX_ATTEMPTS_LIMIT);
        break;
      case 'dead_letter': {
        if (value === null) {
          patch.deadLetter = null;
          break;
        }
        const dlq = wrap(name, () => parseQueueName(value));
        if (dlq === queue) throw configError(name, 'must name another queue');
        patch.deadLetter = dlq;
        break;
      }
      case 'delay':
        patch.delaySeconds = field(value, name, 0, MAX_DELAY_SECONDS);
        break;
      case 'ttl':
        patch.ttlSeconds = value === null ? null : field(value, name, 1, MAX_TTL_SECONDS);
        break;
      case 'max_length':
        patch.maxLength = value === null ? null : field(value, name, 1, MAX_LENGTH_LIMIT);
        break;
      case 'dedup_window':
        patch.dedupWindowSeconds = field(value, name, 0, MAX_DEDUP_WINDOW_SECONDS);
        break;
      default:
        throw new RestMQError('invalid_config', `unknown config field ${JSON.stringify(name).slice(0, 64)}; known: ${CONFIG_FIELDS.join(', ')}`);
    }
  }
  return patch;
}

function wrap<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof RestMQError) throw configError(name, `is invalid: ${err.message}`);
    throw err;
  }
}
