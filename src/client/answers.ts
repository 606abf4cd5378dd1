/**
 * Validation of the server's answers: every body is `unknown` until these readers have
 * checked the fields the client hands on, so a proxy's page or a version skew surfaces as
 * a typed error, not as `undefined` deep in the caller.
 */
import { RestMQError } from './errors.js';

/** A plain JSON object, or a RestMQError naming what was expected. */
export function object(body: unknown, what: string): Record<string, unknown> {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  throw new RestMQError('unknown', 0, `unexpected answer: ${what} is not a JSON object`);
}

/** A JSON array, or a RestMQError naming what was expected. */
export function array(body: unknown, what: string): unknown[] {
  if (Array.isArray(body)) return body as unknown[];
  throw new RestMQError('unknown', 0, `unexpected answer: ${what} is not a JSON array`);
}

/** A string field. */
export function text(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (typeof value === 'string') return value;
  throw new RestMQError('unknown', 0, `unexpected answer: ${field} is not a string`);
}

/** A number field. */
export function number(record: Record<string, unknown>, field: string): number {
  const value = record[field];
  if (typeof value === 'number') return value;
  throw new RestMQError('unknown', 0, `unexpected answer: ${field} is not a number`);
}

/** A string or null field. */
export function textOrNull(record: Record<string, unknown>, field: string): string | null {
  const value = record[field];
  return value === null || value === undefined ? null : text(record, field);
}
