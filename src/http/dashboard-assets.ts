/**
 * The dashboard's files, read once at start-up from the installed package: the page and its
 * ES modules (`web/dashboard/`), and the typed client library it drives RestMQ with, as
 * `npm run build` (run by `npm ci`) compiled it (`dist/client/*.js` and the error catalog
 * `dist/core/errors.js` it imports). No bundler: the browser loads the modules as they are.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One file to serve. */
export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  /** A strong validator of the content, quoted. */
  readonly etag: string;
}

/** The package root: this file is `src/http/` or `dist/http/` below it. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A file name the dashboard serves: a plain name with a known extension, never a path. */
const FILE_NAME = /^[a-z0-9][a-z0-9-]*\.(html|js|css|svg)$/;

function asset(path: string): Asset {
  const body = readFileSync(path);
  const type = TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

function folder(dir: string, only?: RegExp): Map<string, Asset> {
  const files = new Map<string, Asset>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    if (FILE_NAME.test(name) && (only === undefined || only.test(name))) files.set(name, asset(`${dir}/${name}`));
  }
  return files;
}

/** Every file the dashboard serves, by folder. */
export interface DashboardAssets {
  /** `web/dashboard/*`: index.html, style.css, the page's modules and icon. */
  readonly web: ReadonlyMap<string, Asset>;
  /** `dist/client/*.js`: the client library; empty when the package was never built. */
  readonly client: ReadonlyMap<string, Asset>;
  /** `dist/core/errors.js`, the one server module the client imports; null when not built. */
  readonly errors: Asset | null;
}

/** Reads the files from `root` (the package root by default). */
export function loadDashboardAssets(root = PACKAGE_ROOT): DashboardAssets {
  const errors = `${root}/dist/core/errors.js`;
  return {
    web: folder(`${root}/web/dashboard`),
    client: folder(`${root}/dist/client`, /\.js$/),
    errors: existsSync(errors) ? asset(errors) : null,
  };
}
