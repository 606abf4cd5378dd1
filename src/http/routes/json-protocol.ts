/**
 * `/queue`: RestMQ's JSON protocol over HTTP. The command comes from the form field `body`
 * (or `msg`), or from a raw `application/json` body. Answers and errors use RestMQ's own
 * flat shape (`{"error":"Malformed JSON"}`), with the catalog code beside it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RestMQError } from '../../core/errors.js';
import type { Operations } from '../../operations/index.js';
import { executeCommand, parseCommand } from '../../protocol/json-commands.js';
import { firstArgument, hasFormBody } from '../args.js';
import { commandAuthorizer } from '../guards/access.js';
import { toRestMQError } from '../errors.js';
import { jsonProtocolHelpPage } from '../pages.js';
import { flatErrorBody, sendError, sendHtml, sendJson } from '../render.js';
import { PUBLIC, produces } from '../../access/rights.js';

function commandText(request: FastifyRequest): unknown {
  if (hasFormBody(request)) return firstArgument(request, 'body', 'msg');
  if (typeof request.body === 'string') return request.body;
  throw new RestMQError('unsupported_media_type', 'send the command as form field body (or msg) or as application/json');
}

async function handle(
  ops: Operations,
  request: FastifyRequest,
  reply: FastifyReply,
  pathQueue?: string,
): Promise<FastifyReply> {
  const command = parseCommand(commandText(request));
  if (command.queue === undefined && pathQueue !== undefined) command.queue = pathQueue;
  const result = await executeCommand(ops, command, commandAuthorizer(request));
  return sendJson(request, reply, result);
}

/**
 * Registers `/queue` (and `/queue/<queue>`, which the original README names) in their own
 * scope, whose error handler renders every error of these routes, including those met
 * before the handler runs (content type, body size, callback), in the protocol's flat shape.
 */
export async function registerJsonProtocolRoutes(app: FastifyInstance, ops: Operations): Promise<void> {
  await app.register((scope, _options, done) => {
    scope.setErrorHandler((err, request, reply) => {
      const error = toRestMQError(err);
      return sendError(request, reply, error, flatErrorBody(error));
    });
    scope.get('/queue', PUBLIC, (_request, reply) => sendHtml(reply, jsonProtocolHelpPage()));
    scope.post('/queue', produces('commands'), (request, reply) => handle(ops, request, reply));
    scope.post<{ Params: { queue: string } }>('/queue/:queue', produces('commands'), (request, reply) =>
      handle(ops, request, reply, request.params.queue),
    );
    done();
  });
}
