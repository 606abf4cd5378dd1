/**
 * Upgrade requests (WebSocket) that fastify refuses while routing, before any hook runs
 * (a broken %-escape, an over-long path parameter). The WebSocket plugin ends an upgrade
 * socket in its onResponse hook, which such a request never reaches: the answer is sent but
 * the socket, no longer the HTTP server's, stays open and holds shutdown for as long as the
 * client keeps it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cutAfterGrace } from './streams/http-stream.js';

/** Ends the socket of a refused upgrade once its answer is out (cut if the peer lingers). */
export function endRefusedUpgrade(request: FastifyRequest, reply: FastifyReply): void {
  if (request.headers.upgrade === undefined) return;
  const socket = request.raw.socket;
  reply.raw.once('finish', () => {
    socket.end();
    cutAfterGrace(socket, 'close', () => socket.destroy());
  });
}
