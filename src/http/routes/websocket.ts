/**
 * WebSocket consumers, `/ws/<queue>`: messages of the queue arrive as text frames holding
 * `{"key":...,"value":...}`; text frames from the client that are JSON objects with a `cmd`
 * are JSON protocol commands (add/get/take/del, the path's queue by default) answered on
 * the same socket, in order; any other text frame is echoed back, as the original did.
 * With `?lease=S` each message arrives under a lease (its frame adds `receipt`, `attempts`
 * and `lease_expires_at`) and the client acks, releases or extends it by command frame.
 * Pings detect dead peers; the send buffer is bounded like every stream's, and each command
 * waits for room in it before it runs (a peer that stays full is cut). Input is checked
 * before the upgrade, so a bad request gets the catalog's HTTP error.
 */
import type {} from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { StreamSink, Subscription } from '../../core/dispatcher.js';
import { RestMQError } from '../../core/errors.js';
import { parseQueueName } from '../../core/names.js';
import type { Operations } from '../../operations/index.js';
import { parseSince, parseStreamLease } from '../../operations/parse.js';
import type { StreamLease } from '../../operations/parse.js';
import { executeCommand, isCommandFrame, parseCommand } from '../../protocol/json-commands.js';
import { argument } from '../args.js';
import { commandAuthorizer } from '../guards/access.js';
import { flatErrorBody } from '../render.js';
import { toRestMQError } from '../errors.js';
import { BoundedWriter } from '../streams/bounded-writer.js';
import { messageJson, reasonJson } from '../streams/framing.js';
import { cutAfterGrace } from '../streams/http-stream.js';
import { runs } from '../route-access.js';
import { waitForRoom } from '../guards/backpressure.js';

/** Settings of the WebSocket route. */
export interface WebSocketRouteSettings {
  readonly bufferBytes: number;
  readonly pingSeconds: number;
  /** How long the send buffer may stay full, its peer reading nothing, while a command waits before the peer is cut, ms. */
  readonly stallMs: number;
}

/** Commands one connection may have received and not answered before it is no longer read. */
export const MAX_QUEUED_COMMANDS = 32;

type QueueRequest = FastifyRequest<{ Params: { queue: string } }>;

function parseRequest(request: QueueRequest): { queue: string; since: number | null; lease: StreamLease | null } {
  const queue = parseQueueName(request.params.queue);
  const since = parseSince(argument(request, 'since'), queue);
  return { queue, since, lease: parseStreamLease(argument(request, 'lease'), since !== null) };
}

function frameText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** WebSocket close code for a reason: 1001 going away at shutdown, else 4000 + HTTP status. */
export function closeCode(reason: RestMQError): number {
  return reason.code === 'shutting_down' ? 1001 : 4000 + reason.status;
}

/** The frame's command when it is a well-formed `ack`, else null (it then runs in its turn). */
function ackCommand(text: string): Record<string, unknown> | null {
  if (!text.includes('"ack"')) return null;
  try {
    const command = parseCommand(text);
    return command.cmd === 'ack' ? command : null;
  } catch {
    return null;
  }
}

function serve(socket: WebSocket, request: QueueRequest, ops: Operations, settings: WebSocketRouteSettings): void {
  const { queue, since, lease } = parseRequest(request);
  // The request's own logger, not a child: a child per open socket costs memory for its lifetime.
  const log = request.log;
  let subscription: Subscription | undefined;
  let ended = false;
  const writer = new BoundedWriter(
    settings.bufferBytes,
    () => socket.bufferedAmount,
    (chunk, done) => {
      if (socket.readyState !== socket.OPEN) return done();
      socket.send(chunk, () => done());
    },
    () => {
      resumeIfRoom();
      for (const wake of [...drainWaiters]) wake();
      subscription?.drained();
    },
  );
  const drainWaiters = new Set<() => void>();
  // Commands received and not yet answered, and their frame bytes: past either bound (or
  // with a full send buffer) the socket is not read, so frames stop piling up.
  let queued = 0;
  let queuedBytes = 0;
  const tooMany = (): boolean => queued > MAX_QUEUED_COMMANDS || queuedBytes > settings.bufferBytes;
  const resumeIfRoom = (): void => {
    if (!tooMany() && writer.hasRoom()) socket.resume();
  };

  let alive = true;
  socket.on('pong', () => {
    alive = true;
  });
  const pinger = setInterval(() => {
    if (!alive) {
      log.info({ stream: 'ws', queue }, 'websocket peer missed a pong; dropped');
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, settings.pingSeconds * 1000);

  // Commands run one at a time so answers keep the order of the questions. An ack queued
  // behind nothing but acks starts at once instead (answered in order all the same): acks of
  // a leased consumer then share one commit or script call instead of one each.
  let commands: Promise<void> = Promise.resolve();
  let othersQueued = 0;
  // Each frame is checked alone: a command for a queue the principal may not touch is
  // refused with an error frame, and the socket stays open.
  const authorize = commandAuthorizer(request);
  socket.on('message', (data, isBinary) => {
    const text = isBinary ? undefined : frameText(data);
    const bytes = text?.length ?? 0;
    queued += 1;
    queuedBytes += bytes;
    if (tooMany() || !writer.hasRoom()) socket.pause();
    const ack = othersQueued === 0 && text !== undefined ? ackCommand(text) : null;
    const started = ack === null ? null : execute(ack);
    if (ack === null) othersQueued += 1;
    commands = commands.then(async () => {
      try {
        await runCommand(text, started);
      } finally {
        if (ack === null) othersQueued -= 1;
        queued -= 1;
        queuedBytes -= bytes;
        resumeIfRoom();
      }
    });
  });

  const execute = async (command: Record<string, unknown>): Promise<Record<string, unknown>> => {
    try {
      if (command.queue === undefined) command.queue = queue;
      return await executeCommand(ops, command, authorize);
    } catch (err) {
      const error = toRestMQError(err);
      if (error.code === 'store_unavailable') request.server.storeOutage.refused(error);
      else if (error.status >= 500) log.error({ err, stream: 'ws', queue }, 'websocket command failed');
      return flatErrorBody(error);
    }
  };

  /** `started`: an ack already running (see above), answered here in its turn. */
  const runCommand = async (text: string | undefined, started: Promise<Record<string, unknown>> | null): Promise<void> => {
    // A command queued behind a slow one must not run once the client is gone: a take
    // would remove a message nobody can receive. Nor while the client leaves its answers
    // unread: it waits for room first, and is cut if it stays full.
    const room = await waitForRoom({
      hasRoom: () => writer.hasRoom(),
      pending: () => writer.pendingBytes,
      stallMs: settings.stallMs,
      cut: () => {
        log.info({ stream: 'ws', queue }, 'websocket peer left its answers unread; cut');
        socket.terminate();
      },
      onWake: (wake) => {
        drainWaiters.add(wake);
        return () => drainWaiters.delete(wake);
      },
      closed: () => socket.readyState !== socket.OPEN,
    });
    if (started !== null) {
      const answer = await started;
      if (room) writer.send(JSON.stringify(answer));
      return;
    }
    if (!room) return;
    if (text !== undefined && !isCommandFrame(text)) {
      // Not a command: echoed as it came, like the original's WebSocket did.
      writer.send(text);
      return;
    }
    let command: Record<string, unknown>;
    try {
      command = parseCommand(text);
    } catch (err) {
      writer.send(JSON.stringify(flatErrorBody(toRestMQError(err))));
      return;
    }
    writer.send(JSON.stringify(await execute(command)));
  };

  const sink: StreamSink = {
    hasRoom: () => !ended && socket.readyState === socket.OPEN && writer.hasRoom(),
    write: (message) => writer.send(messageJson(message)),
    end: (reason) => {
      if (ended) return;
      ended = true;
      clearInterval(pinger);
      // A socket already closing has no room either: that is not a slow consumer.
      if (socket.readyState !== socket.OPEN) return;
      if (reason.code === 'slow_consumer') log.info({ stream: 'ws', queue }, 'slow websocket consumer dropped');
      socket.send(reasonJson(reason));
      socket.close(closeCode(reason), reason.code);
      cutAfterGrace(socket, 'close', () => socket.terminate());
    },
  };
  socket.once('close', () => {
    ended = true;
    clearInterval(pinger);
    subscription?.cancel();
  });
  try {
    subscription = ops.subscribe({ queue, sink, since, lease });
  } catch (err) {
    sink.end(toRestMQError(err));
  }
}

/** Registers `/ws/<queue>`. */
export function registerWebSocketRoute(
  app: FastifyInstance,
  ops: Operations,
  settings: WebSocketRouteSettings,
): void {
  app.get<{ Params: { queue: string } }>(
    '/ws/:queue',
    {
      websocket: true,
      ...runs('subscribe', 'param', 'websocket:consumer'),
      preValidation: (request, _reply, done) => {
        try {
          // A plain GET (no upgrade) gets the catalog's answer, not the plugin's empty 404.
          if (!request.ws) throw new RestMQError('not_found', '/ws/<queue> answers WebSocket upgrades only');
          parseRequest(request);
          done();
        } catch (err) {
          done(err instanceof RestMQError ? err : toRestMQError(err));
        }
      },
    },
    (socket, request) => serve(socket, request, ops, settings),
  );
}
