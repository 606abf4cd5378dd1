/**
 * A small TCP proxy on a loopback port, for the fault tests: between daemons and
 * redis-server it is the link a test can cut (every connection through it is destroyed and
 * new ones are closed at once, as a failed network would) and restore; in front of two
 * daemons it is the load balancer that sends new connections to whichever daemon a test
 * picks, so clients keep one URL while daemons die.
 */
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  readonly port: number;
  /** Destroys every connection through the proxy and closes new ones at once, until {@link restore}. */
  cut(): void;
  /** Lets connections through again. */
  restore(): void;
  /** Connections currently relayed. */
  open(): number;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port unless `port` is given); `upstream()` names the port each new connection goes to. */
export function startTcpProxy(upstream: () => number, port = 0): Promise<TcpProxy> {
  const pairs = new Set<readonly [Socket, Socket]>();
  let isCut = false;
  const server = createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    const remote = connect(upstream(), '127.0.0.1');
    const pair = [client, remote] as const;
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      remote.destroy();
    };
    for (const socket of pair) {
      socket.on('error', end);
      socket.on('close', end);
    }
    client.pipe(remote);
    remote.pipe(client);
  });
  const destroyAll = (): void => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || address === null) {
        reject(new Error('the proxy has no port'));
        return;
      }
      resolve({
        port: address.port,
        cut() {
          isCut = true;
          destroyAll();
        },
        restore() {
          isCut = false;
        },
        open: () => pairs.size,
        close() {
          return new Promise<void>((done) => {
            destroyAll();
            server.close(() => done());
          });
        },
      });
    });
  });
}
