/**
 * The SQS transport: both wire protocols of Amazon SQS on RestMQ's own port.
 *
 * - JSON 1.0 (current SDKs): `POST /` with `X-Amz-Target: AmazonSQS.<Action>`; answers
 *   `application/x-amz-json-1.0`, errors `{"__type": ..., "message": ...}` with
 *   `x-amzn-query-error`.
 * - Query (older SDKs and CLIs): a form with `Action=<Action>` posted to a queue URL
 *   (`/<account-id>/<queue>`), or to `/` when signed (SigV4 `Authorization` or
 *   `X-Amz-Date`); answers and errors are XML.
 *
 * RestMQ's own `POST /` (a form with `queue` and `value`) carries neither header, so a
 * route constraint sends each request to its own handler before any body is read.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Operations } from '../operations/index.js';
import { RestMQError } from '../core/errors.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../core/json-depth.js';
import { audit, commandAuthorizer, mayList } from '../http/guards/access.js';
import { toRestMQError } from '../http/errors.js';
import { formBodyParser, utf8Text } from '../http/text-input.js';
import type { AccessControl } from '../access/access-control.js';
import { allows } from '../access/policy.js';
import { produces } from '../access/rights.js';
import type { Right } from '../access/rights.js';
import { operationsBackend } from './backend.js';
import { rightOf } from './context.js';
import type { Action, ActionContext, SqsServices } from './context.js';
import { AWS_ERRORS, SqsError, toSqsError } from './errors.js';
import type { Input } from './input.js';
import { MESSAGE_ACTIONS } from './message-actions.js';
import { MoveTasks } from './move-tasks.js';
import { QueueExtras } from './queue-extras.js';
import { QUEUE_ACTIONS } from './queue-actions.js';
import type { QueueNaming } from './queue-urls.js';
import { parseQueryRequest, renderQueryAnswer, renderQueryError } from './query-codec.js';
import { parseSignatureHeader, verifySignature } from './sigv4.js';

/** Media type of the JSON 1.0 protocol. */
const AMZ_JSON = 'application/x-amz-json-1.0';

const TARGET_PREFIX = 'AmazonSQS.';

/** Every action, by name. */
const ACTIONS: Record<string, Action> = { ...QUEUE_ACTIONS, ...MESSAGE_ACTIONS };

/** Which SQS protocol a request speaks, from its headers alone (no body is read). */
function protocolOf(headers: FastifyRequest['headers']): 'json' | 'query' | undefined {
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith(TARGET_PREFIX)) return 'json';
  const authorization = headers.authorization;
  if ((typeof authorization === 'string' && authorization.startsWith('AWS4-HMAC-SHA256')) || headers['x-amz-date'] !== undefined) return 'query';
  return undefined;
}

/** The route constraint that tells SQS requests on `/` from RestMQ's. */
type ConstraintStrategy = Parameters<FastifyInstance['addConstraintStrategy']>[0];
type ConstrainedHandler = NonNullable<ReturnType<ReturnType<ConstraintStrategy['storage']>['get']>>;
const SQS_CONSTRAINT: ConstraintStrategy = {
  name: 'sqs',
  storage() {
    const handlers = new Map<string, ConstrainedHandler>();
    return {
      get: (value: string) => handlers.get(value) ?? null,
      set: (value: string, store: ConstrainedHandler) => void handlers.set(value, store),
    };
  },
  deriveConstraint: (request: { headers: FastifyRequest['headers'] }) => protocolOf(request.headers),
  mustMatchWhenDerived: false,
};

declare module 'fastify' {
  interface FastifyRequest {
    /** The id of an SQS request, in its answer and its error. */
    sqsRequestId?: string;
    /** The body's bytes as they arrived, for the signature check. */
    sqsRawBody?: Buffer;
  }
}

/** What the SQS transport needs. */
export interface SqsRouteSettings {
  /** The operations table bound to the core. */
  readonly ops: Operations;
  readonly naming: QueueNaming;
  readonly maxMessageBytes: number;
  /** The live ACL: with one, requests signed with an access key are verified with its secret. */
  readonly access: AccessControl;
  /** The clock signatures' dates are checked against. @default Date.now */
  readonly now?: () => number;
}

/** Verifies the signature of a request admitted as an access key; throws the AWS error otherwise. */
function checkSignature(settings: SqsRouteSettings, request: FastifyRequest): void {
  const principal = request.principal;
  if (principal?.kind !== 'key') return;
  const parsed = parseSignatureHeader(request.headers.authorization ?? '');
  const secret = settings.access.secretOf(parsed.accessKeyId);
  if (secret === null || parsed.accessKeyId !== principal.accessKeyId) {
    throw new SqsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
  const body = request.sqsRawBody ?? Buffer.alloc(0);
  try {
    verifySignature({ method: request.method, url: request.raw.url ?? request.url, headers: request.headers, body }, parsed, secret, (settings.now ?? Date.now)());
  } catch (err) {
    // A bad signature counts toward the address's failed authentications, like a bad password.
    settings.access.failures.fail(request.ip);
    throw err;
  }
}

function requestId(request: FastifyRequest): string {
  request.sqsRequestId ??= randomUUID();
  return request.sqsRequestId;
}

function isJson(request: FastifyRequest): boolean {
  return protocolOf(request.headers) === 'json';
}

function sendSqsError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  let error = toSqsError(toRestMQError(err));
  if (error.aws === 'MissingAuthenticationToken' && request.headers.authorization?.startsWith('AWS4-HMAC-SHA256') === true) {
    error = new SqsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
  if (error.code === 'internal') request.log.error({ err: error.cause ?? err }, 'SQS request failed');
  const type = AWS_ERRORS[error.aws];
  const id = requestId(request);
  reply.code(type.status).header('x-amzn-RequestId', id);
  if (error.retryAfterSeconds !== null) reply.header('retry-after', String(error.retryAfterSeconds));
  if (isJson(request)) {
    reply.header('x-amzn-query-error', `${type.query};${type.fault}`);
    return reply.type(AMZ_JSON).send(JSON.stringify({ __type: `com.amazonaws.sqs#${error.aws}`, message: error.message }));
  }
  return reply.type('text/xml').send(renderQueryError(type.fault, type.query, error.message, id));
}

function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

function parseJsonBody(request: FastifyRequest, body: Buffer): Input {
  request.sqsRawBody = body;
  const text = utf8Text(body, 'the request body');
  if (text.trim() === '') return {};
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw new SqsError('SerializationException', `JSON nests more than ${MAX_JSON_DEPTH} levels deep.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SqsError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SqsError('SerializationException', 'The request body must be a JSON object.');
  return parsed as Input;
}

/**
 * One request's action context. A class rather than a literal of closures, and the origin
 * computed on first use (only queue URLs need it): SendMessage is the hot path.
 */
class RequestContext implements ActionContext {
  readonly backend: SqsServices['backend'];
  readonly naming: SqsServices['naming'];
  readonly extras: SqsServices['extras'];
  readonly moves: SqsServices['moves'];
  readonly maxMessageBytes: number;
  /** Queues an admin right was checked on, for the audit. */
  administered: string[] | null = null;
  private signal: AbortSignal | null = null;

  constructor(
    services: SqsServices,
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    readonly pathQueue: string | null,
    private readonly action: string,
  ) {
    this.backend = services.backend;
    this.naming = services.naming;
    this.extras = services.extras;
    this.moves = services.moves;
    this.maxMessageBytes = services.maxMessageBytes;
  }

  get origin(): string {
    return `${this.request.protocol}://${this.request.host}`;
  }

  authorize(right: Right, queue: string): void {
    const principal = this.request.principal;
    if (principal === null) return;
    commandAuthorizer(this.request)(right, queue);
    if (right === 'admin') (this.administered ??= []).push(queue);
  }

  mayList(queue: string): boolean {
    return mayList(this.request, queue);
  }

  authorizeListing(): void {
    const principal = this.request.principal;
    if (principal !== null && !allows(principal, rightOf('listQueues'), null)) {
      audit(this.request, 'refused', { queue: null, code: 'forbidden', reason: `${principal.name} lacks consume on any queue`, action: this.action });
      throw new SqsError('AccessDenied', `${principal.name} may not list queues`);
    }
  }

  abortSignal(): AbortSignal {
    this.signal ??= clientGone(this.reply);
    return this.signal;
  }
}

async function handle(services: SqsServices, request: FastifyRequest, reply: FastifyReply, pathQueue: string | null, json: boolean): Promise<FastifyReply> {
  let action: string;
  let input: Input;
  if (json) {
    action = (request.headers['x-amz-target'] as string).slice(TARGET_PREFIX.length);
    // A JSON body sent as application/json arrives as text from RestMQ's own parser.
    input = typeof request.body === 'string' ? parseJsonBody(request, Buffer.from(request.body, 'utf8')) : ((request.body ?? {}) as Input);
  } else {
    const form = { ...(request.query as Record<string, unknown>), ...(typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {}) };
    ({ action, input } = parseQueryRequest(form));
  }
  const run = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
  if (run === undefined) {
    throw new SqsError('UnknownOperationException', json ? `Unknown operation ${action.slice(0, 100)}.` : `The action ${action.slice(0, 100)} is not valid for this endpoint.`);
  }
  const ctx = new RequestContext(services, request, reply, pathQueue, action);
  const output = await run(ctx, input);
  // Admin actions leave an audit line each, as admin routes do.
  if (ctx.administered !== null) {
    for (const queue of ctx.administered) audit(request, 'admin', { queue, action });
  }
  const id = requestId(request);
  reply.header('x-amzn-RequestId', id);
  if (json) return reply.type(AMZ_JSON).send(JSON.stringify(output));
  return reply.type('text/xml').send(renderQueryAnswer(action, output, id));
}

/**
 * Registers the SQS routes in their own scope: `POST /` for requests that carry an SQS
 * header (see the module comment) and `POST /<account-id>/<queue>` for queue URLs.
 */
export async function registerSqsRoutes(app: FastifyInstance, settings: SqsRouteSettings): Promise<void> {
  const backend = operationsBackend(settings.ops);
  const services: SqsServices = {
    backend,
    naming: settings.naming,
    extras: new QueueExtras(backend),
    moves: new MoveTasks(backend),
    maxMessageBytes: settings.maxMessageBytes,
  };
  if (!app.hasConstraintStrategy('sqs')) app.addConstraintStrategy(SQS_CONSTRAINT);
  await app.register((scope, _options, done) => {
    scope.addContentTypeParser(AMZ_JSON, { parseAs: 'buffer' }, (request, body, parsed) => {
      try {
        parsed(null, parseJsonBody(request, body as Buffer));
      } catch (err) {
        parsed(err instanceof RestMQError ? err : toRestMQError(err));
      }
    });
    // Forms are parsed as everywhere, and their bytes kept for the signature check.
    scope.removeContentTypeParser('application/x-www-form-urlencoded');
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (request, body, done) => {
      request.sqsRawBody = body as Buffer;
      formBodyParser(request, body as Buffer, done);
    });
    scope.setErrorHandler((err, request, reply) => sendSqsError(request, reply, err));
    // Every action checks its own right on the queue it names (like the JSON protocol's commands);
    // an access key's signature is verified first thing in the handler, once the body is read
    // (not in a hook: a hook costs every request, and without an ACL the check returns at once).
    const access = { config: { ...produces('commands').config, sigv4: true as const } };
    for (const protocol of ['json', 'query'] as const) {
      scope.post('/', { ...access, constraints: { sqs: protocol } }, (request, reply) => {
        checkSignature(settings, request);
        return handle(services, request, reply, null, protocol === 'json');
      });
    }
    scope.post<{ Params: { account: string; queue: string } }>('/:account(^[0-9]{12}$)/:queue', access, (request, reply) => {
      checkSignature(settings, request);
      if (request.params.account !== settings.naming.accountId) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
      return handle(services, request, reply, request.params.queue, isJson(request));
    });
    done();
  });
}
