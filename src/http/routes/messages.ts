/**
 * RestMQ's message routes: `POST /` and `GET /?queue=` (the original index handler), and
 * `/q/<queue>` for publish, pop, purge and the queue list.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Broker } from '../../core/broker.js';
import { RestMQError } from '../../core/errors.js';
import { parseQueueName } from '../../core/names.js';
import type { StoredMessage } from '../../core/types.js';
import { parseTtl, parseValue } from '../../core/validate.js';
import { argument, firstArgument, hasFormBody } from '../args.js';
import { indexPage, queueListPage } from '../pages.js';
import { errorBody, sendHtml, sendJson, sendText, wantsHtml, wantsJson } from '../render.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The value of a publish: form `value`/`msg`, or the raw body for JSON, text and bytes. */
function publishedValue(request: FastifyRequest): string {
  if (hasFormBody(request) || request.body === undefined || request.body === null) {
    return parseValue(firstArgument(request, 'value', 'msg'));
  }
  const body: unknown = request.body;
  if (Buffer.isBuffer(body)) {
    try {
      return parseValue(utf8.decode(body));
    } catch (err) {
      if (err instanceof RestMQError) throw err;
      throw new RestMQError('bad_request', 'the request body is not valid UTF-8');
    }
  }
  if (typeof body === 'string') {
    if ((request.headers['content-type'] ?? '').startsWith('application/json')) {
      try {
        JSON.parse(body);
      } catch {
        throw new RestMQError('malformed_json');
      }
    }
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
  const key = await broker.publish(queue, { value, ttlSeconds });
  if (wantsJson(request)) return sendJson(request, reply, { key });
  return sendText(request, reply, key);
}

/**
 * GETs that pop are not safe, so fastify must not answer HEAD by running them: a link
 * checker or `curl -I` would silently consume a message.
 */
const NO_HEAD = { exposeHeadRoute: false } as const;

/** Registers `/` and `/q/*`. */
export function registerMessageRoutes(app: FastifyInstance, broker: Broker): void {
  app.post('/', (request, reply) => publish(broker, parseQueueName(argument(request, 'queue')), request, reply));

  app.get('/', NO_HEAD, async (request, reply) => {
    const queue = argument(request, 'queue');
    if (queue === undefined) {
      return wantsJson(request) ? sendJson(request, reply, { name: 'restmq' }) : sendHtml(reply, indexPage());
    }
    const message = await broker.pop(parseQueueName(queue));
    if (message === null) return sendJson(request, reply, errorBody(new RestMQError('queue_empty')), 404);
    return sendJson(request, reply, popBody(message));
  });

  app.get('/q/', async (request, reply) => {
    const queues = await broker.listQueues();
    if (wantsHtml(request)) return sendHtml(reply, queueListPage(queues));
    return sendJson(request, reply, { queues, count: queues.length });
  });

  app.post<{ Params: { queue: string } }>('/q/:queue', (request, reply) =>
    publish(broker, request.params.queue, request, reply),
  );

  app.get<{ Params: { queue: string } }>('/q/:queue', NO_HEAD, async (request, reply) => {
    const message = await broker.pop(request.params.queue);
    if (message === null) return reply.code(204).send();
    return sendJson(request, reply, popBody(message));
  });

  app.delete<{ Params: { queue: string } }>('/q/:queue', async (request, reply) => {
    const purged = await broker.purge(request.params.queue);
    return sendJson(request, reply, { queue: request.params.queue, status: purged > 0 ? 1 : 0, purged });
  });
}
