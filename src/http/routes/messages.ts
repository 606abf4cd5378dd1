/**
 * A queue's messages, `/q/<queue>`: `POST` publishes one, `POST /q/<queue>/batch` many,
 * and `GET` receives: RestMQ's pop when no parameter is given; otherwise `peek=N` lists,
 * `lease=S` leases, `n=N` answers an array, `wait=S` long-polls. One message by its key is
 * in by-key.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RestMQError } from '../../core/errors.js';
import { MAX_BATCH_BYTES } from '../../core/limits.js';
import { parseQueueName } from '../../core/names.js';
import { deliveryBody, peekBody } from '../../operations/answers.js';
import type { Operations } from '../../operations/index.js';
import { publishOptions } from '../../operations/messages.js';
import { parseBatch } from '../../operations/parse-batch.js';
import { parseCount, parseJson, parseLease, parseValue, parseWait } from '../../operations/parse.js';
import { argument, firstArgument, hasFormBody } from '../args.js';
import { sendJson, sendText, wantsJson } from '../render.js';
import { runs } from '../route-access.js';
import { mediaType, utf8Text } from '../text-input.js';

type QueueParams = { Params: { queue: string } };

/** Raw body bound of a batch: its values' limit with room for JSON escaping. */
export const BATCH_BODY_LIMIT = MAX_BATCH_BYTES * 3 + 64 * 1024;

/**
 * GETs that pop are not safe, so fastify must not answer HEAD by running them: a link
 * checker or `curl -I` would silently consume a message.
 */
export const NO_HEAD = { exposeHeadRoute: false } as const;

/**
 * Set on a `peek=N` or `n=N` answer that the answer byte limit (`--max-answer-bytes`) may
 * have cut short: more messages may be waiting, ask again.
 */
export const TRUNCATED_HEADER = 'restmq-truncated';

/**
 * The value of a publish: form `msg`, else `value` (the original stored `msg` when both
 * came), or the raw body for JSON, text and bytes.
 */
function publishedValue(request: FastifyRequest): string {
  if (hasFormBody(request) || request.body === undefined || request.body === null) {
    return parseValue(firstArgument(request, 'msg', 'value'));
  }
  const body: unknown = request.body;
  if (Buffer.isBuffer(body)) return parseValue(utf8Text(body, 'the request body'));
  if (typeof body === 'string') {
    // A JSON body is stored as its text, but only once it is known to be JSON.
    if (mediaType(request) === 'application/json') parseJson(body);
    return parseValue(body);
  }
  throw new RestMQError('unsupported_media_type');
}

/** Publishes the request's value to `queue`: its key as text, or `{key}` as JSON when asked. */
export async function publishFrom(ops: Operations, queue: string, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const value = publishedValue(request);
  const fields = (name: string): unknown => (name === 'dedup' ? argument(request, 'dedup') ?? request.headers['idempotency-key'] : argument(request, name));
  const { key, duplicate } = await ops.publish({ queue, message: publishOptions(fields, value) });
  if (wantsJson(request)) return sendJson(request, reply, duplicate ? { key, duplicate } : { key });
  return sendText(request, reply, key);
}

/** Aborts when the client goes away before its answer is sent (a long poll's connection closed). */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

async function receive(ops: Operations, queue: string, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const peek = parseCount(argument(request, 'peek'));
  if (peek !== null) {
    const peeked = await ops.peek({ queue, count: peek });
    if (peeked.truncated) reply.header(TRUNCATED_HEADER, 'max-answer-bytes');
    return sendJson(request, reply, peeked.messages.map(peekBody));
  }
  const count = parseCount(argument(request, 'n'));
  const leaseArg = argument(request, 'lease');
  const lease = leaseArg === undefined ? undefined : { seconds: parseLease(leaseArg, null) };
  const waitSeconds = parseWait(argument(request, 'wait'));
  const { messages, truncated } = await ops.receive({
    queue,
    count: count ?? 1,
    ...(lease === undefined ? {} : { lease }),
    waitSeconds,
    ...(waitSeconds > 0 ? { abort: clientGone(reply) } : {}),
  });
  const [first] = messages;
  if (first === undefined) return reply.code(204).send();
  if (count === null) return sendJson(request, reply, deliveryBody(first));
  if (truncated) reply.header(TRUNCATED_HEADER, 'max-answer-bytes');
  return sendJson(request, reply, messages.map(deliveryBody));
}

/** Registers `POST /q/<queue>`, `POST /q/<queue>/batch` and `GET /q/<queue>`. */
export function registerMessageRoutes(app: FastifyInstance, ops: Operations): void {
  app.post<QueueParams>('/q/:queue', runs('publish', 'param'), (request, reply) => publishFrom(ops, request.params.queue, request, reply));

  app.post<QueueParams>('/q/:queue/batch', { bodyLimit: BATCH_BODY_LIMIT, ...runs('publishBatch', 'param') }, async (request, reply) => {
    const queue = parseQueueName(request.params.queue);
    const results = await ops.publishBatch({ queue, messages: parseBatch(request.body) });
    return sendJson(request, reply, {
      queue,
      keys: results.map((r) => r.key),
      duplicate: results.map((r) => r.duplicate),
    });
  });

  app.get<QueueParams>('/q/:queue', { ...NO_HEAD, ...runs('receive', 'param') }, (request, reply) =>
    receive(ops, request.params.queue, request, reply),
  );
}
