/**
 * Streaming consumers over HTTP: COMET (`GET /c/<queue>`, chunked text/plain, JSONP with
 * `callback=`) and server-sent events (`GET /sse/<queue>`, or `/c/<queue>` with
 * `Accept: text/event-stream`). With `?lease=S` the consumer receives each message under a
 * lease and acks it over HTTP (`DELETE /q/<queue>/<key>?receipt=R`). Input is validated before the response is taken over, so
 * errors still answer with the catalog's JSON body and status.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseQueueName } from '../../core/names.js';
import type { Operations } from '../../operations/index.js';
import { parseHeartbeat, parseSince, parseStreamLease } from '../../operations/parse.js';
import type { StreamLease } from '../../operations/parse.js';
import { argument } from '../args.js';
import { cometChunk, messageJson, sseClose, sseLeasedMessage, sseMessage } from '../streams/framing.js';
import type { HttpStreamFormat } from '../streams/http-stream.js';
import { openHttpStream } from '../streams/http-stream.js';
import { runs } from '../route-access.js';

/** Settings of the HTTP streaming routes. */
export interface StreamRouteSettings {
  readonly bufferBytes: number;
  readonly sseHeartbeatSeconds: number;
  readonly sseRetryMs: number;
}

type QueueRequest = FastifyRequest<{ Params: { queue: string } }>;

function wantsEventStream(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').toLowerCase().includes('text/event-stream');
}

/** What a streaming route validated before it takes the response over. */
interface StreamArgs {
  readonly queue: string;
  readonly heartbeatSeconds: number | null;
  readonly since: number | null;
  readonly lease: StreamLease | null;
}

// Only called once every argument is validated: after hijack() errors can no longer be
// answered with the catalog's JSON body and status.
function startStream(
  request: QueueRequest,
  reply: FastifyReply,
  ops: Operations,
  settings: StreamRouteSettings,
  stream: 'comet' | 'sse',
  args: StreamArgs,
  format: HttpStreamFormat,
): void {
  const { queue, since } = args;
  // Headers set by hooks (CORS, Vary) go out with the stream's own: once hijacked, the
  // response no longer sees fastify's reply headers.
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) reply.raw.setHeader(name, value);
  }
  reply.hijack();
  openHttpStream(ops, {
    res: reply.raw,
    queue,
    format,
    bufferBytes: settings.bufferBytes,
    heartbeatSeconds: args.heartbeatSeconds,
    since,
    lease: args.lease,
    stream,
    // The request's own logger, not a child: a pino child per open stream costs memory for
    // as long as the stream lives, for lines it rarely writes (issue 12: RSS per connection).
    log: request.log,
  });
}

function comet(request: QueueRequest, reply: FastifyReply, ops: Operations, settings: StreamRouteSettings): void {
  const queue = parseQueueName(request.params.queue);
  const heartbeatSeconds = parseHeartbeat(argument(request, 'heartbeat'));
  const since = parseSince(argument(request, 'since'), queue);
  const lease = parseStreamLease(argument(request, 'lease'), since !== null);
  const callback = request.jsonpCallback;
  const format: HttpStreamFormat = {
    contentType: callback === null ? 'text/plain; charset=utf-8' : 'application/javascript; charset=utf-8',
    preamble: '',
    message: (m) => cometChunk(messageJson(m), callback),
    heartbeat: () => '\r\n',
    // The original closed COMET silently, and its clients (the map/reduce reducer) read
    // `value` from every line: a closing error line would break them.
    closing: () => '',
  };
  startStream(request, reply, ops, settings, 'comet', { queue, heartbeatSeconds, since, lease }, format);
}

function sse(request: QueueRequest, reply: FastifyReply, ops: Operations, settings: StreamRouteSettings): void {
  const queue = parseQueueName(request.params.queue);
  const heartbeatSeconds = parseHeartbeat(argument(request, 'heartbeat')) ?? settings.sseHeartbeatSeconds;
  const lastEventId = request.headers['last-event-id'];
  const since = parseSince(lastEventId ?? argument(request, 'since'), queue);
  const lease = parseStreamLease(argument(request, 'lease'), since !== null);
  const format: HttpStreamFormat = {
    contentType: 'text/event-stream; charset=utf-8',
    preamble: `retry: ${settings.sseRetryMs}\n\n`,
    message: lease === null ? sseMessage : sseLeasedMessage,
    heartbeat: () => ': heartbeat\n\n',
    closing: sseClose,
  };
  startStream(request, reply, ops, settings, 'sse', { queue, heartbeatSeconds, since, lease }, format);
}

/** Registers `/c/<queue>` and `/sse/<queue>`. */
export function registerStreamRoutes(app: FastifyInstance, ops: Operations, settings: StreamRouteSettings): void {
  // A HEAD request must not become a consumer: its writes go nowhere, so it would take
  // messages (its share of a round-robin queue) and lose them.
  const noHead = { exposeHeadRoute: false, ...runs('subscribe', 'param', 'comet:consumer') } as const;
  app.get<{ Params: { queue: string } }>('/c/:queue', noHead, (request, reply) => {
    if (wantsEventStream(request)) sse(request, reply, ops, settings);
    else comet(request, reply, ops, settings);
  });
  app.get<{ Params: { queue: string } }>('/sse/:queue', noHead, (request, reply) => {
    sse(request, reply, ops, settings);
  });
}
