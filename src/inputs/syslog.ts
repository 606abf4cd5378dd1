/**
 * The syslog input the original RestMQ shipped as a side daemon, built in: with
 * `--syslog-port N` it takes syslog over TCP (octet-counted or newline framing) and UDP on
 * the `--listen` address, and publishes each message (the `publish` operation) to queue
 * `syslogd:<sender address>` as JSON (see syslog-parse.ts). It is not HTTP, so no ACL
 * applies: anyone who reaches the port may publish to `syslogd:*` (docs/security.md).
 * Messages, connections, idle time and publishes in flight are all bounded.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Operations } from '../operations/index.js';
import { parseSyslogLine, TcpFramer } from './syslog-parse.js';

/** Publishes one TCP connection may have in flight before it stops being read. */
export const SYSLOG_CONNECTION_BACKLOG = 64;

/** Publishes all UDP senders together may have in flight; datagrams beyond it are dropped. */
export const SYSLOG_UDP_BACKLOG = 1024;

/** How long a closing connection may take to flush before it is cut, ms. */
const CLOSE_GRACE_MS = 1000;

/** What the syslog input needs. */
export interface SyslogInputOptions {
  /** The operations; syslog only publishes. */
  readonly ops: Pick<Operations, 'publish'>;
  /** The address to bind (the server's `--listen`). */
  readonly host: string;
  /** The port for both TCP and UDP; 0 picks a free TCP port and uses it for UDP too. */
  readonly port: number;
  /** Longest message accepted, bytes: a longer TCP message closes its connection, a longer datagram is dropped. */
  readonly maxLineBytes: number;
  /** Most TCP connections open at once; more are refused (closed at once). */
  readonly maxConnections: number;
  /** Seconds a TCP connection may stay silent before it is closed. */
  readonly idleSeconds: number;
  readonly log: Logger;
}

/** The queue of a sender: `syslogd:<address>`, IPv4-mapped addresses as plain IPv4, no zone. */
export function senderQueue(address: string | undefined): string {
  const plain = (address ?? 'unknown').replace(/^::ffff:(?=[0-9.]+$)/i, '').replace(/%.*$/, '');
  return `syslogd:${plain}`;
}

/** A running syslog listener (TCP and UDP on one port). */
export class SyslogInput {
  private readonly sockets = new Set<Socket>();
  private readonly inFlight = new Set<Promise<void>>();
  private udpInFlight = 0;
  private lastFailureLog = 0;
  private failuresSinceLog = 0;

  private constructor(
    private readonly options: SyslogInputOptions,
    private readonly tcp: Server,
    private readonly udp: UdpSocket,
  ) {}

  /** Binds TCP, then UDP on the same port; rejects when either cannot bind. */
  static async start(options: SyslogInputOptions): Promise<SyslogInput> {
    const tcp = createServer({ noDelay: true });
    tcp.maxConnections = options.maxConnections;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: options.host, port: options.port }, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    const port = (tcp.address() as AddressInfo).port;
    const udp = createSocket({ type: isIPv6(options.host) ? 'udp6' : 'udp4' });
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind({ address: options.host === 'localhost' ? '127.0.0.1' : options.host, port }, () => {
          udp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      throw err;
    }
    const input = new SyslogInput(options, tcp, udp);
    input.listen();
    options.log.info({ port, listen: options.host }, 'syslog input listening (TCP and UDP)');
    return input;
  }

  /** The bound port. */
  get port(): number {
    return (this.tcp.address() as AddressInfo).port;
  }

  private listen(): void {
    this.tcp.on('connection', (socket) => this.serve(socket));
    this.tcp.on('drop', (data) => this.options.log.warn({ address: data?.remoteAddress, max: this.options.maxConnections }, 'syslog connection refused: too many connections'));
    this.tcp.on('error', (err) => this.options.log.error({ err }, 'syslog TCP listener failed'));
    this.udp.on('message', (data, rinfo) => this.datagram(data, rinfo));
    this.udp.on('error', (err) => this.options.log.error({ err }, 'syslog UDP listener failed'));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    const queue = senderQueue(socket.remoteAddress);
    const framer = new TcpFramer(this.options.maxLineBytes);
    let pending = 0;
    socket.setTimeout(this.options.idleSeconds * 1000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      const { messages, fault } = framer.push(chunk);
      for (const line of messages) {
        pending++;
        void this.publish(queue, line).finally(() => {
          pending--;
          if (pending === 0 && socket.isPaused()) socket.resume();
        });
      }
      // A sender faster than the store waits: its connection stops being read.
      if (pending >= SYSLOG_CONNECTION_BACKLOG) socket.pause();
      if (fault !== null) {
        this.options.log.warn({ queue, fault, maxLineBytes: this.options.maxLineBytes }, 'syslog connection closed: bad framing or message too long');
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.sockets.delete(socket));
  }

  private datagram(data: Buffer, rinfo: RemoteInfo): void {
    if (data.length > this.options.maxLineBytes + 1 || this.udpInFlight >= SYSLOG_UDP_BACKLOG) {
      this.failed(new Error(data.length > this.options.maxLineBytes + 1 ? 'datagram too long' : 'too many datagrams in flight'));
      return;
    }
    const line = data.toString('utf8').replace(/\r?\n$/, '');
    if (Buffer.byteLength(line) > this.options.maxLineBytes) {
      this.failed(new Error('datagram too long'));
      return;
    }
    this.udpInFlight++;
    void this.publish(senderQueue(rinfo.address), line).finally(() => {
      this.udpInFlight--;
    });
  }

  private publish(queue: string, line: string): Promise<void> {
    const value = JSON.stringify(parseSyslogLine(line, new Date()));
    const work = this.options.ops.publish({ queue, message: { value, ttlSeconds: null } }).then(
      () => undefined,
      (err: unknown) => this.failed(err),
    );
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  /** Logs dropped messages at most once every 10 s, with how many were dropped. */
  private failed(err: unknown): void {
    this.failuresSinceLog++;
    const now = Date.now();
    if (now - this.lastFailureLog < 10_000) return;
    this.options.log.warn({ err, dropped: this.failuresSinceLog }, 'syslog messages dropped');
    this.lastFailureLog = now;
    this.failuresSinceLog = 0;
  }

  /** Stops accepting, ends open connections, and waits for publishes in flight. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    for (const socket of this.sockets) {
      socket.end();
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    }
    await closed;
    await Promise.allSettled([...this.inFlight]);
  }
}
