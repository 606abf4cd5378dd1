/**
 * RestMQ's message routes: `POST /` and `GET /?queue=` (the original index handler), and
 * `/q/<queue>` for publish, pop, purge and the queue list.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Broker } from '../../core/broker.js';
import { RestMQError } from '../../core/errors.js';
import { parseQueueName } from '../../core/names.js';
import type { StoredMessage } from '../../core/types.js';
import { parseCount, parseDedupId, parseDelay, parseLease, parseWait } from '../../core/delivery-limits.js';
import { parseJson, parseTtl, parseValue } from '../../core/validate.js';
import { deliveryBody, peekBody } from '../../protocol/delivery-bodies.js';
import { argument, firstArgument, hasFormBody } from '../args.js';
import { mayList } from '../guards/access.js';
import { indexPage, queueListPage } from '../pages.js';
import { errorBody, sendHtml, sendJson, sendText, wantsHtml, wantsJson } from '../render.js';
import { administers, consumes, produces } from '../../access/rights.js';
import { mediaType, utf8Text } from '../text-input.js';

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

function popBody(message: StoredMessage): { key: string; value: string; count: number } {
  return { key: message.key, value: message.value, count: message.reads };
}

async function publish(broker: Broker, queue: string, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const value = publishedValue(request);
  const ttlSeconds = parseTtl(argument(request, 'ttl'));
  const delaySeconds = parseDelay(argument(request, 'delay'));
  const dedupId = parseDedupId(argument(request, 'dedup') ?? request.headers['idempotency-key']);
  const { key, duplicate } = await broker.publishOne(queue, { value, ttlSeconds, delaySeconds, dedupId });
  if (wantsJson(request)) return sendJson(request, reply, duplicate ? { key, duplicate } : { key });
  return sendText(request, reply, key);
}

/**
 * GETs that pop are not safe, so fastify must not answer HEAD by running them: a link
 * checker or `curl -I` would silently consume a message.
 */
const NO_HEAD = { exposeHeadRoute: false } as const;

/** Aborts when the client goes away before its answer is sent (a long poll's connection closed). */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * Set on a `peek=N` or `n=N` answer that the answer byte limit (`--max-answer-bytes`) may
 * have cut short: more messages may be waiting, ask again.
 */
export const TRUNCATED_HEADER = 'restmq-truncated';

/**
 * `GET /q/<queue>`: RestMQ's pop when no parameter is given; otherwise `peek=N` lists,
 * `lease=S` leases, `n=N` answers an array, `wait=S` long-polls.
 */
async function receive(broker: Broker, queue: string, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const peek = parseCount(argument(request, 'peek'));
  if (peek !== null) {
    const peeked = await broker.peek(queue, peek);
    if (broker.answerCut(peeked, peek)) reply.header(TRUNCATED_HEADER, 'max-answer-bytes');
    return sendJson(request, reply, peeked.map(peekBody));
  }
  const count = parseCount(argument(request, 'n'));
  const leaseArg = argument(request, 'lease');
  const lease = leaseArg === undefined ? undefined : { seconds: parseLease(leaseArg, null) };
  const waitSeconds = parseWait(argument(request, 'wait'));
  const messages = await broker.receive(queue, {
    count: count ?? 1,
    ...(lease === undefined ? {} : { lease }),
    waitSeconds,
    ...(waitSeconds > 0 ? { abort: clientGone(reply) } : {}),
  });
  if (messages.length === 0) return reply.code(204).send();
  if (count === null) return sendJson(request, reply, deliveryBody(messages[0] as StoredMessage));
  if (broker.answerCut(messages, count)) reply.header(TRUNCATED_HEADER, 'max-answer-bytes');
  return sendJson(request, reply, messages.map(deliveryBody));
}

/** Registers `/` and `/q/*`. */
export function registerMessageRoutes(app: FastifyInstance, broker: Broker): void {
  app.post('/', produces('argument'), (request, reply) => publish(broker, parseQueueName(argument(request, 'queue')), request, reply));

  app.get('/', { ...NO_HEAD, ...consumes('argument') }, async (request, reply) => {
    const queue = argument(request, 'queue');
    if (queue === undefined) {
      return wantsJson(request) ? sendJson(request, reply, { name: 'restmq' }) : sendHtml(reply, indexPage());
    }
    const message = await broker.pop(parseQueueName(queue));
    if (message === null) return sendJson(request, reply, errorBody(new RestMQError('queue_empty')), 404);
    return sendJson(request, reply, popBody(message));
  });

  app.get('/q/', consumes('listing'), async (request, reply) => {
    const queues = (await broker.listQueues()).filter((q) => mayList(request, q));
    if (wantsHtml(request)) return sendHtml(reply, queueListPage(queues));
    return sendJson(request, reply, { queues, count: queues.length });
  });

  app.post<{ Params: { queue: string } }>('/q/:queue', produces('param'), (request, reply) =>
    publish(broker, request.params.queue, request, reply),
  );

  app.get<{ Params: { queue: string } }>('/q/:queue', { ...NO_HEAD, ...consumes('param') }, (request, reply) =>
    receive(broker, request.params.queue, request, reply),
  );

  app.delete<{ Params: { queue: string } }>('/q/:queue', administers('param'), async (request, reply) => {
    const drop = argument(request, 'drop');
    if (drop !== undefined) {
      if (drop !== '1' && drop !== 'true') throw new RestMQError('invalid_parameter', 'drop must be 1 or true');
      const dropped = await broker.dropQueue(request.params.queue);
      return sendJson(request, reply, { queue: request.params.queue, dropped: true, purged: dropped });
    }
    const purged = await broker.purge(request.params.queue);
    return sendJson(request, reply, { queue: request.params.queue, status: purged > 0 ? 1 : 0, purged });
  });
}
