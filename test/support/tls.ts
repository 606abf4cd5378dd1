/**
 * Test support for HTTPS: a throwaway certificate authority and two server certificates
 * made with `openssl` at test time, and clients (node:https, ws, a streaming reader) that
 * trust that authority and report which certificate the server presented.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { cleanEnv } from '../e2e/daemon.js';
import { Collector } from '../stream/clients.js';
import { tempDir } from './server.js';
import { startDaemon } from './daemon.js';
import type { Daemon } from './daemon.js';

/** One server certificate: its files and its serial number (upper-case hex, as node reports it). */
export interface ServerCertificate {
  readonly cert: string;
  readonly key: string;
  readonly cn: string;
  readonly serial: string;
}

/** A CA and two certificates it signed for 127.0.0.1 and localhost. */
export interface TestCertificates {
  readonly dir: string;
  /** Path of the CA certificate. */
  readonly caPath: string;
  readonly ca: Buffer;
  readonly one: ServerCertificate;
  readonly two: ServerCertificate;
  /** The files the server is pointed at; {@link useCertificate} copies one pair over them. */
  readonly live: { readonly cert: string; readonly key: string };
}

function openssl(dir: string, ...args: string[]): void {
  const out = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(out.status, 0, `openssl ${args.join(' ')}: ${out.stderr}`);
}

function serverCertificate(dir: string, cn: string): ServerCertificate {
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${cn}.key`, '-out', `${cn}.csr`, '-subj', `/CN=${cn}`);
  openssl(dir, 'x509', '-req', '-in', `${cn}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${cn}.pem`, '-days', '2', '-extfile', 'ext.cnf');
  const cert = join(dir, `${cn}.pem`);
  return { cert, key: join(dir, `${cn}.key`), cn, serial: new X509Certificate(readFileSync(cert)).serialNumber.toUpperCase() };
}

/** Makes the CA and the certificates `one` and `two` in a new temp folder (the caller removes it). */
export function makeCertificates(): TestCertificates {
  const dir = tempDir('restmq-https-');
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=restmq-test-ca');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const one = serverCertificate(dir, 'one');
  const two = serverCertificate(dir, 'two');
  const live = { cert: join(dir, 'live.pem'), key: join(dir, 'live.key') };
  const certs = { dir, caPath: join(dir, 'ca.pem'), ca: readFileSync(join(dir, 'ca.pem')), one, two, live };
  useCertificate(certs, one);
  return certs;
}

/** Copies `which` over the live files, as an operator renewing a certificate would. */
export function useCertificate(certs: TestCertificates, which: ServerCertificate): void {
  copyFileSync(which.cert, certs.live.cert);
  copyFileSync(which.key, certs.live.key);
}

/** An answer over HTTPS and the certificate that came with it. */
export interface HttpsAnswer {
  readonly status: number;
  readonly body: string;
  /** Serial number of the certificate the server presented on this (new) connection. */
  readonly serial: string;
  readonly cn: string;
}

function peer(res: IncomingMessage): { serial: string; cn: string } {
  assert.ok(res.socket instanceof TLSSocket, 'the answer came over TLS');
  const cert = res.socket.getPeerCertificate();
  const cn = cert.subject.CN;
  return { serial: cert.serialNumber.toUpperCase(), cn: typeof cn === 'string' ? cn : '' };
}

/** One request on a new connection (no keep-alive agent), trusting only `ca`. */
export function httpsRequest(url: string, ca: Buffer, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const who = peer(res);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body, ...who }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(options.body);
  });
}

/** Publishes `value` to `queue` over HTTPS and checks the 200. */
export async function publishOverHttps(base: string, ca: Buffer, queue: string, value: string): Promise<void> {
  const res = await httpsRequest(`${base}/q/${queue}`, ca, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ value }).toString(),
  });
  assert.equal(res.status, 200, res.body);
}

/** A COMET or SSE stream over HTTPS: its text, kept as it arrives. */
export class HttpsStream extends Collector {
  text = '';
  status = 0;
  contentType = '';
  serial = '';
  private readonly abort = new AbortController();

  /** Opens `url` and resolves once the response head arrived. */
  static open(url: string, ca: Buffer, headers: Record<string, string> = {}): Promise<HttpsStream> {
    const stream = new HttpsStream();
    return new Promise((resolve, reject) => {
      const req = request(url, { ca, agent: false, headers, signal: stream.abort.signal }, (res) => {
        stream.status = res.statusCode ?? 0;
        stream.contentType = res.headers['content-type'] ?? '';
        stream.serial = peer(res).serial;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          stream.text += chunk;
          stream.changed();
        });
        const end = (): void => {
          stream.ended = true;
          stream.changed();
        };
        res.once('close', end);
        res.once('error', end);
        resolve(stream);
      });
      req.once('error', reject);
      req.end();
    });
  }

  /** Closes the connection from the client side. */
  close(): void {
    this.abort.abort();
  }
}

/** A WebSocket over TLS (wss://) trusting `ca`: the text frames it received. */
export class WssClient extends Collector {
  readonly frames: string[] = [];
  serial = '';

  private constructor(readonly socket: WebSocket) {
    super();
  }

  /** Connects and resolves once open. */
  static open(url: string, ca: Buffer): Promise<WssClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { ca });
      const client = new WssClient(socket);
      socket.on('message', (data: Buffer) => {
        client.frames.push(data.toString('utf8'));
        client.changed();
      });
      socket.on('close', () => {
        client.ended = true;
        client.changed();
      });
      socket.once('upgrade', (res) => {
        client.serial = peer(res).serial;
      });
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** The real `restmq serve` as a child process, with its log kept for assertions. */
export interface LoggingDaemon {
  readonly child: ChildProcess;
  readonly url: string;
  /** Every log line (JSON, stdout) so far, and stderr. */
  log(): string;
  /** Resolves once a log line matches `pattern`; rejects after `ms` or when the child exits. */
  untilLog(pattern: RegExp, ms?: number): Promise<string>;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | string>;
}

/**
 * Starts `restmq serve --port 0 --data-dir <temp> <args>` (the built CLI; the folder goes
 * when it exits) and waits for its "restmq serving"
 * line, whose port and scheme give the URL.
 */
export async function startLoggingDaemon(args: readonly string[]): Promise<LoggingDaemon> {
  const dataDir = tempDir('restmq-logged-');
  let daemon: Daemon;
  try {
    daemon = await startDaemon(['--data-dir', dataDir, ...args], { env: cleanEnv() });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const exited = daemon.exited.then(({ code, signal }) => {
    rmSync(dataDir, { recursive: true, force: true });
    return code ?? signal ?? 'unknown';
  });
  return {
    child: daemon.child,
    url: daemon.url,
    log: () => daemon.output(),
    untilLog: (pattern, ms) => daemon.untilLog(pattern, ms),
    async stop() {
      await daemon.stop();
      return exited;
    },
  };
}
