/**
 * Reading SQS action input, which is `unknown` until checked here: each reader names the
 * parameter in AWS's wording when it refuses it.
 */
import { SqsError } from './errors.js';

/** An action's input object. */
export type Input = Readonly<Record<string, unknown>>;

/** A required string parameter; `MissingParameter` when absent. */
export function requiredString(input: Input, name: string): string {
  const value = input[name];
  if (value === undefined || value === null) throw new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
  if (typeof value !== 'string') throw new SqsError('InvalidParameterValue', `Value for parameter ${name} must be a string.`);
  return value;
}

/** An optional string parameter. */
export function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SqsError('InvalidParameterValue', `Value for parameter ${name} must be a string.`);
  return value;
}

/** An optional whole number within [min, max]. */
export function optionalInteger(input: Input, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SqsError('InvalidParameterValue', `Value ${JSON.stringify(value)} for parameter ${name} is invalid. Reason: must be between ${min} and ${max}.`);
  }
  return value;
}

/** An optional list of strings. */
export function stringList(input: Input, name: string): string[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new SqsError('InvalidParameterValue', `Value for parameter ${name} must be a list of strings.`);
  }
  return value;
}

/** An optional map of string to string. */
export function stringMap(input: Input, name: string): Record<string, string> {
  const value = input[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new SqsError('InvalidParameterValue', `Value for parameter ${name} must be a map of strings.`);
  }
  return { ...(value as Record<string, string>) };
}

/** Most entries of one batch request. */
export const MAX_BATCH_ENTRIES = 10;

const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** The entries of a batch action: 1-10 objects with distinct, well-formed ids. */
export function batchEntries(input: Input): Input[] {
  const value = input.Entries;
  if (value === undefined || value === null) throw new SqsError('MissingParameter', 'The request must contain the parameter Entries.');
  if (!Array.isArray(value) || !value.every((e): e is Input => typeof e === 'object' && e !== null && !Array.isArray(e))) {
    throw new SqsError('InvalidParameterValue', 'Value for parameter Entries must be a list of entries.');
  }
  if (value.length === 0) throw new SqsError('EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.');
  if (value.length > MAX_BATCH_ENTRIES) {
    throw new SqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${value.length}.`);
  }
  const seen = new Set<string>();
  for (const entry of value) {
    const id = entry.Id;
    if (typeof id !== 'string' || !ENTRY_ID.test(id)) {
      throw new SqsError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
    }
    if (seen.has(id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
  }
  return value;
}
