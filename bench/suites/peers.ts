/**
 * A peer in the same run (`npm run bench -- --peers`): RabbitMQ, what users would pick
 * instead, measured from Node with `amqplib` on the same machine, 64 B messages, beside
 * RestMQ on SQLite `--sync full` doing the same work over HTTP at the same concurrency.
 *
 * - publish: 32 concurrent publishers (one connection, one confirm channel), each sending
 *   a persistent message to a durable queue and waiting for its publisher confirm before
 *   the next, against `POST /q/<q>` driven by wrk with 32 connections;
 * - consume: one consumer with manual acks (prefetch 100) acking each delivery, against
 *   RestMQ's lease `n=10` + batch ack with 32 connections.
 *
 * RabbitMQ is not started by the bench: it must listen at `RESTMQ_BENCH_AMQP_URL`
 * (default `amqp://guest:guest@127.0.0.1:5672`, Debian's `rabbitmq-server`).
 */
import { connect } from 'amqplib';
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeHost, watchPhase } from '../lib/host.js';
import type { PhaseHost } from '../lib/host.js';
import { describeLoad, runLoad } from '../lib/load.js';
import { sqliteStore } from '../lib/stores.js';
import type { BenchContext, BenchRow, BenchSuite } from '../lib/types.js';
import { batchAckLoad, LEASE_BATCH } from './acks.js';
import { PAYLOAD, routeLoads } from './http.js';

/** Concurrent publishers (and HTTP connections) of the peer rows. */
export const PEER_CONNECTIONS = 32;
/** Unacked deliveries RabbitMQ may push to the consumer. */
const PREFETCH = 100;
const PEER_QUEUE = 'restmq-bench-peer';
const BODY = Buffer.from(PAYLOAD);

/** Where RabbitMQ listens. */
export function amqpUrl(): string {
  return process.env.RESTMQ_BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
}

/** Publishes one persistent message and resolves on its confirm. */
function confirmed(channel: ConfirmChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.sendToQueue(PEER_QUEUE, BODY, { persistent: true }, (err: unknown) => {
      if (err === null || err === undefined) resolve();
      else reject(err instanceof Error ? err : new Error('RabbitMQ refused a publish (nack)'));
    });
  });
}

/** `publishers` closed-loop publishers for `seconds`; confirmed messages per second. */
async function publishPhase(channel: ConfirmChannel, publishers: number, seconds: number): Promise<{ rate: number; count: number; host: PhaseHost }> {
  const watch = watchPhase([]);
  const cpu = process.cpuUsage();
  let count = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: publishers }, async () => {
      while (performance.now() < until) {
        await confirmed(channel);
        count += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { rate: count / elapsed, count, host: watch.finish({ label: 'bench (amqplib)', seconds: (used.user + used.system) / 1e6 }) };
}

/** Fills the queue fast (confirms waited for in windows of 1000) so the consume phase never runs dry. */
async function fill(channel: ConfirmChannel, count: number): Promise<void> {
  for (let done = 0; done < count; done += 1000) {
    for (let i = 0; i < 1000; i++) channel.sendToQueue(PEER_QUEUE, BODY, { persistent: true });
    await channel.waitForConfirms();
  }
}

/** One consumer with manual acks for `seconds`; acks per second, and whether the queue ran dry. */
async function consumePhase(channel: Channel, seconds: number): Promise<{ rate: number; count: number; dry: boolean; host: PhaseHost }> {
  await channel.prefetch(PREFETCH);
  let count = 0;
  let counting = false;
  const { consumerTag } = await channel.consume(
    PEER_QUEUE,
    (message: ConsumeMessage | null) => {
      if (message === null) return;
      channel.ack(message);
      if (counting) count += 1;
    },
    { noAck: false },
  );
  await sleep(500); // warm-up, not counted: a benchmark pause, not a test's wait
  const watch = watchPhase([]);
  const cpu = process.cpuUsage();
  counting = true;
  const started = performance.now();
  await sleep(seconds * 1000);
  counting = false;
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await channel.cancel(consumerTag);
  const left = (await channel.checkQueue(PEER_QUEUE)).messageCount;
  return { rate: count / elapsed, count, dry: left === 0, host: watch.finish({ label: 'bench (amqplib)', seconds: (used.user + used.system) / 1e6 }) };
}

/** RabbitMQ's publish-with-confirms and acking consumer beside RestMQ's durable publish and batched lease + ack. */
export const rabbitmqSuite: BenchSuite = {
  id: 'rabbitmq',
  description: `RabbitMQ (amqplib, durable queue, confirms, manual acks) beside RestMQ on SQLite --sync full, ${PEER_CONNECTIONS} publishers`,
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const connections = PEER_CONNECTIONS;
    const fillCount = ctx.quick ? 150_000 : 600_000;
    // RestMQ first, on a daemon of its own, at the same concurrency.
    const leaseQueue = 'bench-peer-lease';
    const server = await sqliteStore.start(ctx, 'peers', [{ queue: leaseQueue, count: fillCount, value: PAYLOAD }]);
    let restPublish;
    let restConsume;
    try {
      const loads = routeLoads(server.url, connections, ctx.seconds);
      await runLoad({ ...loads.publish, seconds: 1 });
      restPublish = await runLoad({ ...loads.publish, watch: server.processes });
      ctx.log(`rabbitmq: RestMQ publish ${Math.round(restPublish.rps)} req/s, ${describeLoad(restPublish)}`);
      restConsume = await runLoad({ ...batchAckLoad(server.url, leaseQueue, connections, ctx.seconds), watch: server.processes });
      ctx.log(`rabbitmq: RestMQ lease n=${LEASE_BATCH} + batch ack ${Math.round(restConsume.rps)} req/s, ${describeLoad(restConsume)}`);
    } finally {
      await server.stop();
    }
    const restAcked = restConsume.ok > 0 ? (restConsume.rps * (restConsume.tags.acked ?? 0) * LEASE_BATCH) / restConsume.ok : 0;

    const amqp = await connect(amqpUrl());
    try {
      const setup = await amqp.createChannel();
      await setup.deleteQueue(PEER_QUEUE);
      await setup.assertQueue(PEER_QUEUE, { durable: true });
      await setup.close();
      const publisher = await amqp.createConfirmChannel();
      await publishPhase(publisher, connections, 1); // warm-up
      const pub = await publishPhase(publisher, connections, ctx.seconds);
      ctx.log(`rabbitmq: publish with confirms ${Math.round(pub.rate)} msg/s, ${describeHost(pub.host)}`);
      await fill(publisher, fillCount);
      await publisher.close();
      const consumer = await amqp.createChannel();
      const con = await consumePhase(consumer, ctx.seconds);
      ctx.log(`rabbitmq: consume with manual acks ${Math.round(con.rate)} msg/s, ${describeHost(con.host)}`);
      const cleanup = await amqp.createChannel();
      await cleanup.deleteQueue(PEER_QUEUE);
      await cleanup.close();
      const version = String(amqp.connection.serverProperties.version ?? 'unknown');
      return [
        {
          suite: 'rabbitmq',
          name: `RabbitMQ ${version} publish, persistent, publisher confirms (${connections} publishers, 64 B)`,
          figure: pub.rate,
          unit: 'msg/s',
          baselineName: `RestMQ SQLite --sync full POST /q, ${connections} connections, msg/s`,
          baseline: restPublish.rps,
          note: `${pub.count} confirmed; durable queue, one confirm channel, each publisher waits for its confirm; ${describeHost(pub.host)}; RestMQ: ${describeLoad(restPublish)}`,
        },
        {
          suite: 'rabbitmq',
          name: `RabbitMQ ${version} consume, manual acks, prefetch ${PREFETCH} (1 consumer)`,
          figure: con.rate,
          unit: 'msg/s',
          baselineName: `RestMQ SQLite lease n=${LEASE_BATCH} + batch ack, ${connections} connections, msg/s`,
          baseline: restAcked,
          note: `${con.count} acked${con.dry ? '; QUEUE RAN DRY: figure invalid' : ''}; ${describeHost(con.host)}; RestMQ: ${describeLoad(restConsume)}`,
        },
      ];
    } finally {
      await amqp.close();
    }
  },
};
