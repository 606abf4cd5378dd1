/**
 * Queue URLs and ARNs: `http(s)://<host>/<account-id>/<queue>` and
 * `arn:aws:sqs:<region>:<account-id>:<queue>`. The host is the configured public base URL
 * (behind a proxy) or the request's own Host; parsing accepts any host, because clients
 * reach the same server by several names.
 */
import { SqsError } from './errors.js';

/** How the adapter names queues on the wire. */
export interface QueueNaming {
  /** The 12-digit account id in every URL and ARN. */
  readonly accountId: string;
  /** The region in ARNs. */
  readonly region: string;
  /** Public base URL (`https://mq.example.com/prefix`), or null to build URLs from the request. */
  readonly baseUrl: string | null;
}

/** Path segment of a queue name: SQS names need no escaping; other RestMQ names (`:`, `@`) are escaped. */
function segment(queue: string): string {
  return encodeURIComponent(queue);
}

/** The queue's URL as answers give it; `origin` is the request's `scheme://host`. */
export function queueUrl(naming: QueueNaming, origin: string, queue: string): string {
  const base = (naming.baseUrl ?? origin).replace(/\/+$/, '');
  return `${base}/${naming.accountId}/${segment(queue)}`;
}

/** Most URLs remembered by {@link queueOfUrl}; the whole memory is dropped when it is full. */
const URL_MEMORY = 1024;

/** Queue names of URLs parsed before, per naming: a client sends the same QueueUrl on every message. */
const parsedUrls = new WeakMap<QueueNaming, Map<string, string>>();

/** The queue a queue URL names; throws `QueueDoesNotExist` for another account or a malformed URL. */
export function queueOfUrl(naming: QueueNaming, url: string): string {
  let memory = parsedUrls.get(naming);
  const known = memory?.get(url);
  if (known !== undefined) return known;
  const queue = parseQueueUrl(naming, url);
  if (memory === undefined) parsedUrls.set(naming, (memory = new Map<string, string>()));
  if (memory.size >= URL_MEMORY) memory.clear();
  memory.set(url, queue);
  return queue;
}

function parseQueueUrl(naming: QueueNaming, url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
  }
  const parts = path.split('/').filter((p) => p !== '');
  const [account, name] = parts.slice(-2);
  if (parts.length < 2 || account !== naming.accountId || name === undefined) {
    throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
  }
  try {
    return decodeURIComponent(name);
  } catch {
    throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
  }
}

/** The queue's ARN. */
export function queueArn(naming: QueueNaming, queue: string): string {
  return `arn:aws:sqs:${naming.region}:${naming.accountId}:${queue}`;
}

/** The queue an ARN names; throws `InvalidParameterValue` naming `what` when it is not one of this server's. */
export function queueOfArn(naming: QueueNaming, arn: string, what: string): string {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== 'sqs' || parts[4] !== naming.accountId) {
    throw new SqsError('InvalidParameterValue', `Value ${arn} for parameter ${what} is invalid. Reason: not an SQS ARN of account ${naming.accountId}.`);
  }
  return parts.slice(5).join(':');
}
