/**
 * The queue actions of SQS over RestMQ's queues: create (idempotent with equal
 * attributes), look up, list, attributes, delete, purge, tags, dead-letter sources and
 * message move tasks (RestMQ's redrive).
 */
import { DEFAULT_RETENTION_SECONDS, parseAttributes, queueAttributes, sameAttributes, selectAttributes } from './attributes.js';
import type { Action, ActionContext } from './context.js';
import { mustExist, rightOf, targetQueue } from './context.js';
import { SqsError } from './errors.js';
import { FIFO_DEDUP_WINDOW_SECONDS, FIFO_SUFFIX } from './fifo.js';
import type { Input } from './input.js';
import { optionalInteger, optionalString, requiredString, stringList, stringMap } from './input.js';
import { parseExtras, serializeExtras } from './queue-extras.js';
import type { Extras } from './queue-extras.js';
import { queueArn, queueOfArn, queueUrl } from './queue-urls.js';

const SQS_QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;

/** Most tags a queue holds. */
const MAX_TAGS = 50;

async function attributesOf(ctx: ActionContext, queue: string): Promise<Record<string, string>> {
  const [config, stats] = await Promise.all([ctx.backend.config(queue), ctx.backend.stats(queue)]);
  const extras = ctx.extras.remember(queue, parseExtras(config.settings.extra));
  return queueAttributes(ctx.naming, queue, config, stats, extras, ctx.maxMessageBytes);
}

/** `extras` with the kept attributes applied ('' deletes one). */
function keep(extras: Extras, kept: Record<string, string>): Extras {
  const attributes = { ...extras.attributes };
  for (const [name, value] of Object.entries(kept)) {
    if (value === '') delete attributes[name];
    else attributes[name] = value;
  }
  return { attributes, tags: extras.tags };
}

/** `extras` with `tags` added. */
function addTags(extras: Extras, tags: Record<string, string>): Extras {
  const held = { ...extras.tags };
  const keys = new Set([...Object.keys(held), ...Object.keys(tags)]);
  if (keys.size > MAX_TAGS) throw new SqsError('InvalidParameterValue', `Too many tags: a queue holds at most ${MAX_TAGS}.`);
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > 128 || value.length > 256) throw new SqsError('InvalidParameterValue', `Tag ${key.slice(0, 128)} is invalid: keys are 1-128 characters, values at most 256.`);
    held[key] = value;
  }
  return { attributes: extras.attributes, tags: held };
}

const createQueue: Action = async (ctx, input) => {
  const name = requiredString(input, 'QueueName');
  const given = stringMap(input, 'Attributes');
  // As AWS: a .fifo name without FifoQueue is a standard queue's name, and so not a valid one.
  const fifo = name.endsWith(FIFO_SUFFIX) && given.FifoQueue !== undefined;
  if (fifo && !FIFO_QUEUE_NAME.test(name)) {
    throw new SqsError('InvalidParameterValue', 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.');
  }
  if (!fifo && !SQS_QUEUE_NAME.test(name)) {
    throw new SqsError('InvalidParameterValue', 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
  }
  ctx.authorize(rightOf('configure'), name);
  const change = parseAttributes(ctx.naming, name, given, true);
  const tags = { ...stringMap(input, 'tags'), ...stringMap(input, 'Tags') };
  if ((await ctx.backend.stats(name)) !== null) {
    if (!sameAttributes(ctx.naming, name, given, await attributesOf(ctx, name))) {
      throw new SqsError('QueueNameExists', 'A queue already exists with the same name and a different value for an attribute.');
    }
  } else {
    // A new queue gets SQS's defaults where RestMQ's differ: no redrive, a 4-day retention,
    // and a FIFO queue AWS's 5-minute dedup interval. Its extras go in the same write, so a
    // queue never exists without them.
    const extras = addTags(keep(parseExtras(null), change.kept), tags);
    const extra = serializeExtras(extras);
    const window = fifo ? { dedupWindowSeconds: FIFO_DEDUP_WINDOW_SECONDS } : {};
    await ctx.backend.configure(name, { maxAttempts: 0, ttlSeconds: DEFAULT_RETENTION_SECONDS, ...window, ...change.patch, extra });
    ctx.extras.remember(name, parseExtras(extra));
  }
  return { QueueUrl: queueUrl(ctx.naming, ctx.origin, name) };
};

const getQueueUrl: Action = async (ctx, input) => {
  const name = requiredString(input, 'QueueName');
  ctx.authorize(rightOf('stats'), name);
  if (!/^[A-Za-z0-9_\-.:@]{1,128}$/.test(name)) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
  await mustExist(ctx, name);
  return { QueueUrl: queueUrl(ctx.naming, ctx.origin, name) };
};

const listQueues: Action = async (ctx, input) => {
  ctx.authorizeListing();
  const prefix = optionalString(input, 'QueueNamePrefix') ?? '';
  const max = optionalInteger(input, 'MaxResults', 1, 1000);
  const token = optionalString(input, 'NextToken');
  if (token !== undefined && max === undefined) throw new SqsError('InvalidParameterValue', 'NextToken needs MaxResults.');
  const after = token === undefined ? null : Buffer.from(token, 'base64url').toString('utf8');
  const names = (await ctx.backend.listQueues()).filter((q) => q.startsWith(prefix) && (after === null || q > after) && ctx.mayList(q));
  const page = names.slice(0, max ?? 1000);
  const out: Record<string, unknown> = {};
  if (page.length > 0) out.QueueUrls = page.map((q) => queueUrl(ctx.naming, ctx.origin, q));
  if (max !== undefined && names.length > page.length) out.NextToken = Buffer.from(page[page.length - 1] as string, 'utf8').toString('base64url');
  return out;
};

const getQueueAttributes: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('config'));
  const names = stringList(input, 'AttributeNames');
  await mustExist(ctx, queue);
  const selected = selectAttributes(queue, await attributesOf(ctx, queue), names);
  return Object.keys(selected).length === 0 ? {} : { Attributes: selected };
};

const setQueueAttributes: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('configure'));
  if (input.Attributes === undefined) throw new SqsError('MissingParameter', 'The request must contain the parameter Attributes.');
  const change = parseAttributes(ctx.naming, queue, stringMap(input, 'Attributes'));
  await mustExist(ctx, queue);
  if (Object.keys(change.patch).length > 0) await ctx.backend.configure(queue, change.patch);
  if (Object.keys(change.kept).length > 0) await ctx.extras.update(queue, (extras) => keep(extras, change.kept));
  return {};
};

const deleteQueue: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('drop'));
  await mustExist(ctx, queue);
  await ctx.backend.dropQueue(queue);
  ctx.extras.drop(queue);
  return {};
};

const purgeQueue: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('purge'));
  await mustExist(ctx, queue);
  await ctx.backend.purge(queue);
  return {};
};

const tagQueue: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('configure'));
  if (input.Tags === undefined) throw new SqsError('MissingParameter', 'The request must contain the parameter Tags.');
  const tags = stringMap(input, 'Tags');
  await mustExist(ctx, queue);
  await ctx.extras.update(queue, (extras) => addTags(extras, tags));
  return {};
};

const untagQueue: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('configure'));
  if (input.TagKeys === undefined) throw new SqsError('MissingParameter', 'The request must contain the parameter TagKeys.');
  const keys = stringList(input, 'TagKeys');
  await mustExist(ctx, queue);
  await ctx.extras.update(queue, (extras) => {
    const held = { ...extras.tags };
    for (const key of keys) delete held[key];
    return { attributes: extras.attributes, tags: held };
  });
  return {};
};

const listQueueTags: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('config'));
  await mustExist(ctx, queue);
  const { tags } = await ctx.extras.read(queue);
  return Object.keys(tags).length === 0 ? {} : { Tags: tags };
};

const listDeadLetterSourceQueues: Action = async (ctx, input) => {
  const queue = targetQueue(ctx, input, rightOf('config'));
  const max = optionalInteger(input, 'MaxResults', 1, 1000);
  await mustExist(ctx, queue);
  const sources: string[] = [];
  for (const candidate of await ctx.backend.listQueues()) {
    if (candidate === queue || !ctx.mayList(candidate)) continue;
    const { settings, deadLetterQueue } = await ctx.backend.config(candidate);
    if (settings.maxAttempts > 0 && deadLetterQueue === queue) sources.push(candidate);
  }
  return { queueUrls: sources.slice(0, max ?? 1000).map((q) => queueUrl(ctx.naming, ctx.origin, q)) };
};

function sourceOf(ctx: ActionContext, input: Input): string {
  const source = queueOfArn(ctx.naming, requiredString(input, 'SourceArn'), 'SourceArn');
  ctx.authorize(rightOf('redrive'), source);
  return source;
}

const startMessageMoveTask: Action = async (ctx, input) => {
  const source = sourceOf(ctx, input);
  if (optionalString(input, 'DestinationArn') !== undefined) {
    throw new SqsError('UnsupportedOperation', 'DestinationArn is not supported: messages move back to the queues they came from.');
  }
  optionalInteger(input, 'MaxNumberOfMessagesPerSecond', 1, 500);
  const stats = await ctx.backend.stats(source);
  if (stats === null) throw new SqsError('ResourceNotFoundException', 'The resource that you specified for the SourceArn parameter does not exist.');
  if (ctx.moves.running(source) !== undefined) throw new SqsError('UnsupportedOperation', 'A message move task is already running on this queue.');
  return { TaskHandle: ctx.moves.start(source, stats.length).handle };
};

const listMessageMoveTasks: Action = async (ctx, input) => {
  const source = sourceOf(ctx, input);
  const max = optionalInteger(input, 'MaxResults', 1, 10) ?? 1;
  await Promise.resolve();
  return {
    Results: ctx.moves.list(source).slice(0, max).map((t) => ({
      ...(t.status === 'RUNNING' ? { TaskHandle: t.handle } : {}),
      Status: t.status,
      SourceArn: queueArn(ctx.naming, t.source),
      ApproximateNumberOfMessagesMoved: t.moved,
      ApproximateNumberOfMessagesToMove: t.toMove,
      StartedTimestamp: t.startedAt,
      ...(t.failureReason === undefined ? {} : { FailureReason: t.failureReason }),
    })),
  };
};

const cancelMessageMoveTask: Action = async (ctx, input) => {
  const handle = requiredString(input, 'TaskHandle');
  const task = ctx.moves.find(handle);
  if (task === undefined) throw new SqsError('ResourceNotFoundException', 'No message move task has that handle.');
  ctx.authorize(rightOf('redrive'), task.source);
  ctx.moves.cancel(task);
  await Promise.resolve();
  return { ApproximateNumberOfMessagesMoved: task.moved };
};

const unsupported: Action = () => Promise.reject(new SqsError('UnsupportedOperation', 'Permissions are managed by the RestMQ ACL (--acl), not by AddPermission/RemovePermission.'));

/** The queue actions, by name. */
export const QUEUE_ACTIONS: Record<string, Action> = {
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  ListQueues: listQueues,
  GetQueueAttributes: getQueueAttributes,
  SetQueueAttributes: setQueueAttributes,
  DeleteQueue: deleteQueue,
  PurgeQueue: purgeQueue,
  TagQueue: tagQueue,
  UntagQueue: untagQueue,
  ListQueueTags: listQueueTags,
  ListDeadLetterSourceQueues: listDeadLetterSourceQueues,
  StartMessageMoveTask: startMessageMoveTask,
  ListMessageMoveTasks: listMessageMoveTasks,
  CancelMessageMoveTask: cancelMessageMoveTask,
  AddPermission: unsupported,
  RemovePermission: unsupported,
};
