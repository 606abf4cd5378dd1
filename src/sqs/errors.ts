/**
 * SQS errors: AWS's error types (the names SDKs branch on) over RestMQ's catalog. Each AWS
 * type names the catalog code it stands for, so logs and metrics count SQS refusals with
 * the same codes as every other transport; the wire carries AWS's name, its query-protocol
 * code and AWS's status (nearly always 400), because SDKs decide retries and exception
 * classes from those.
 */
import { RestMQError, isRestMQError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';

interface AwsErrorType {
  /** The code of the query protocol (and of the JSON protocol's `x-amzn-query-error`). */
  readonly query: string;
  /** AWS's HTTP status. */
  readonly status: number;
  /** Sender (the client's fault) or Receiver (the server's). */
  readonly fault: 'Sender' | 'Receiver';
  /** The RestMQ catalog code it stands for. */
  readonly code: ErrorCode;
}

function sender(query: string, code: ErrorCode, status = 400): AwsErrorType {
  return { query, status, fault: 'Sender', code };
}

/** Every AWS error type the adapter answers, by its JSON name (`__type` after `#`). */
export const AWS_ERRORS = {
  QueueDoesNotExist: sender('AWS.SimpleQueueService.NonExistentQueue', 'queue_not_found'),
  QueueNameExists: sender('QueueAlreadyExists', 'queue_exists'),
  InvalidParameterValue: sender('InvalidParameterValue', 'invalid_parameter'),
  MissingParameter: sender('MissingParameter', 'invalid_parameter'),
  InvalidAttributeName: sender('InvalidAttributeName', 'invalid_parameter'),
  InvalidAttributeValue: sender('InvalidAttributeValue', 'invalid_parameter'),
  InvalidMessageContents: sender('InvalidMessageContents', 'invalid_parameter'),
  EmptyBatchRequest: sender('AWS.SimpleQueueService.EmptyBatchRequest', 'invalid_batch'),
  TooManyEntriesInBatchRequest: sender('AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 'invalid_batch'),
  BatchEntryIdsNotDistinct: sender('AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 'invalid_batch'),
  InvalidBatchEntryId: sender('AWS.SimpleQueueService.InvalidBatchEntryId', 'invalid_batch'),
  BatchRequestTooLong: sender('AWS.SimpleQueueService.BatchRequestTooLong', 'batch_too_large'),
  ReceiptHandleIsInvalid: sender('ReceiptHandleIsInvalid', 'stale_receipt'),
  MessageNotInflight: sender('AWS.SimpleQueueService.MessageNotInflight', 'lease_expired'),
  UnsupportedOperation: sender('AWS.SimpleQueueService.UnsupportedOperation', 'unsupported_operation'),
  ResourceNotFoundException: sender('ResourceNotFoundException', 'queue_not_found'),
  UnknownOperationException: sender('InvalidAction', 'unknown_command'),
  SerializationException: sender('SerializationException', 'malformed_json'),
  RequestThrottled: sender('RequestThrottled', 'queue_full'),
  AccessDenied: sender('AccessDenied', 'forbidden', 403),
  MissingAuthenticationToken: sender('MissingAuthenticationToken', 'unauthorized', 403),
  InvalidClientTokenId: sender('InvalidClientTokenId', 'unauthorized', 403),
  SignatureDoesNotMatch: sender('SignatureDoesNotMatch', 'unauthorized', 403),
  IncompleteSignature: sender('IncompleteSignature', 'unauthorized', 400),
  RequestExpired: sender('RequestExpired', 'unauthorized', 400),
  InternalError: { query: 'InternalError', status: 500, fault: 'Receiver', code: 'internal' },
  ServiceUnavailable: { query: 'ServiceUnavailable', status: 503, fault: 'Receiver', code: 'store_unavailable' },
} as const satisfies Record<string, AwsErrorType>;

/** An AWS error type's JSON name. */
export type AwsErrorName = keyof typeof AWS_ERRORS;

/** A refusal of the SQS adapter: a catalog error that also knows its AWS type. */
export class SqsError extends RestMQError {
  /** The AWS type SDKs see. */
  readonly aws: AwsErrorName;

  constructor(aws: AwsErrorName, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(AWS_ERRORS[aws].code, message, options);
    this.name = 'SqsError';
    this.aws = aws;
  }

  /** AWS's status for this type (what the wire carries, not the catalog's). */
  get awsStatus(): number {
    return AWS_ERRORS[this.aws].status;
  }
}

/** AWS types of catalog errors the core or the guards raise. */
const FROM_CATALOG: Partial<Record<ErrorCode, AwsErrorName>> = {
  queue_full: 'RequestThrottled',
  too_many_auth_failures: 'RequestThrottled',
  too_many_connections: 'RequestThrottled',
  stale_receipt: 'ReceiptHandleIsInvalid',
  lease_expired: 'MessageNotInflight',
  forbidden: 'AccessDenied',
  protected_mode: 'AccessDenied',
  cross_site_refused: 'AccessDenied',
  host_not_allowed: 'AccessDenied',
  unauthorized: 'MissingAuthenticationToken',
  store_unavailable: 'ServiceUnavailable',
  shutting_down: 'ServiceUnavailable',
  internal: 'InternalError',
  malformed_json: 'SerializationException',
  json_too_deep: 'SerializationException',
  unsupported_media_type: 'SerializationException',
  queue_not_found: 'QueueDoesNotExist',
};

/** The SQS error for anything thrown while serving an SQS request. */
export function toSqsError(err: RestMQError): SqsError {
  if (err instanceof SqsError) return err;
  const aws = FROM_CATALOG[err.code] ?? (err.status >= 500 ? 'InternalError' : 'InvalidParameterValue');
  return new SqsError(aws, err.message, { cause: err, ...(err.retryAfterSeconds === null ? {} : { retryAfterSeconds: err.retryAfterSeconds }) });
}

/** True for an SQS refusal (as opposed to a catalog error of the core). */
export function isSqsError(err: unknown): err is SqsError {
  return isRestMQError(err) && err instanceof SqsError;
}
