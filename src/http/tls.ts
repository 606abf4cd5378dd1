/**
 * HTTPS certificate and key: read from the files `--tls-cert` and `--tls-key` name, checked
 * before use (a PEM certificate, an unencrypted PEM key, the key matching the certificate),
 * and swapped into a listening server on reload. New handshakes get the new pair; open
 * connections keep the one they were made with.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Server as TlsServer, createSecureContext } from 'node:tls';
import { ConfigError } from '../config.js';
import type { TlsFiles } from '../config.js';

/** A checked certificate and key, plus what an operator wants to see about them in the log. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Facts about the leaf certificate, for the start and reload log lines. */
  readonly about: { readonly subject: string; readonly serial: string; readonly validTo: string; readonly expired: boolean };
}

/** Reads and checks the pair at start; throws {@link ConfigError} (exit 2) when unusable. */
export function loadTlsSync(files: TlsFiles): TlsMaterial {
  return checkTls(files, readOne(() => readFileSync(files.cert), '--tls-cert', files.cert), readOne(() => readFileSync(files.key), '--tls-key', files.key));
}

/**
 * Re-reads the pair and makes `server` use it for new handshakes. Throws, leaving the server
 * on its previous pair, when the files are unreadable, not PEM, or do not match each other
 * (as while an operator has replaced one file and not yet the other).
 */
export async function reloadTls(server: unknown, files: TlsFiles): Promise<TlsMaterial> {
  if (!(server instanceof TlsServer)) throw new Error('the server does not serve TLS');
  const [cert, key] = await Promise.all([readOneAsync(files.cert, '--tls-cert'), readOneAsync(files.key, '--tls-key')]);
  const material = checkTls(files, cert, key);
  server.setSecureContext({ cert: material.cert, key: material.key });
  return material;
}

/** Checks that `cert` and `key` (the contents of `files`) can serve TLS together. */
export function checkTls(files: TlsFiles, cert: Buffer, key: Buffer): TlsMaterial {
  if (!cert.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`--tls-cert ${files.cert} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new ConfigError(`--tls-cert ${files.cert} is not a valid PEM certificate: ${reason(err)}`);
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key.toString('latin1'))) {
    throw new ConfigError(`--tls-key ${files.key} is encrypted; give the key without a passphrase (e.g. openssl pkey -in KEY -out PLAIN)`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey({ key, format: 'pem' });
  } catch (err) {
    throw new ConfigError(`--tls-key ${files.key} is not an unencrypted PEM private key: ${reason(err)}`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new ConfigError(`--tls-key ${files.key} does not belong to the certificate in --tls-cert ${files.cert}`);
  }
  try {
    createSecureContext({ cert, key }); // the whole chain, as the server will load it
  } catch (err) {
    throw new ConfigError(`--tls-cert ${files.cert} and --tls-key ${files.key} cannot be used for TLS: ${reason(err)}`);
  }
  const validTo = new Date(leaf.validTo);
  return {
    cert,
    key,
    about: { subject: leaf.subject.replace(/\n/g, ', '), serial: leaf.serialNumber, validTo: validTo.toISOString(), expired: validTo.getTime() < Date.now() },
  };
}

function readOne(read: () => Buffer, flag: string, path: string): Buffer {
  try {
    return read();
  } catch (err) {
    throw new ConfigError(`${flag} ${path} cannot be read: ${reason(err)}`);
  }
}

async function readOneAsync(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new ConfigError(`${flag} ${path} cannot be read: ${reason(err)}`);
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
