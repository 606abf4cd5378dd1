/**
 * Probes for orchestrators: `/healthz` says the process serves; `/readyz` says the store
 * answers and the server is not draining.
 */
import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import type { Operations } from '../../operations/index.js';
import { sendJson } from '../render.js';
import { PUBLIC } from '../../access/rights.js';

/**
 * The `/healthz` answer: `{"status":"ok"}`, plus the worker id and pid when this process is
 * one of `--workers` (so a check behind the shared port can tell which worker answered).
 */
function healthBody(): Record<string, unknown> {
  const worker = cluster.worker;
  return worker === undefined ? { status: 'ok' } : { status: 'ok', worker: worker.id, pid: process.pid };
}

/** Registers `/healthz` and `/readyz`. */
export function registerHealthRoutes(app: FastifyInstance, ops: Operations, storeKind: string): void {
  const health = healthBody();
  app.get('/healthz', PUBLIC, (request, reply) => sendJson(request, reply, health));
  app.get('/readyz', PUBLIC, async (request, reply) => {
    await ops.ready({});
    return sendJson(request, reply, { status: 'ready', store: storeKind });
  });
}
