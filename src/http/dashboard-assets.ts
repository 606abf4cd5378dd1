/**
 * The dashboard's files, read once at start-up from the installed package: the page and its
 * ES modules (`web/dashboard/`), and the typed client library it drives RestMQ with, as
 * `npm run build` (run by `npm ci`) compiled it (`dist/client/*.js` and the few
 * `dist/core/*.js` modules it imports: the error catalog and the limits its messages state).
 * No bundler: the browser loads the modules as they are.
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

function folder(dir: string): Map<string, Asset> {
  const files = new Map<string, Asset>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    if (FILE_NAME.test(name)) files.set(name, asset(`${dir}/${name}`));
  }
  return files;
}

/** Every file the dashboard serves, by folder. */
export interface DashboardAssets {
  /** `web/dashboard/*`: index.html, style.css, the page's modules and icon. */
  readonly web: ReadonlyMap<string, Asset>;
  /** `dist/client/*.js`: the client library; empty when the package was never built. */
  readonly client: ReadonlyMap<string, Asset>;
  /** The `dist/core/*.js` modules the client imports (the error catalog and the limits it states). */
  readonly core: ReadonlyMap<string, Asset>;
}

/** A static import of a sibling module or of one in `../core/`, as tsc writes them. */
const IMPORT = /^\s*(?:import|export)\b[^'"]*?from\s*'(\.\/|\.\.\/core\/)([a-z0-9-]+\.js)'/gm;

/**
 * The modules of `dist/client/` and `dist/core/` that `dist/client/index.js` imports,
 * directly or not: only those are served, and an import from anywhere else (node:, a
 * package, another folder) fails the start, as the browser could not load it.
 */
function clientModules(root: string): { client: Map<string, Asset>; core: Map<string, Asset> } {
  const client = new Map<string, Asset>();
  const core = new Map<string, Asset>();
  if (!existsSync(`${root}/dist/client/index.js`)) return { client, core };
  const pending: ['client' | 'core', string][] = [['client', 'index.js']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [dir, name] = next;
    const into = dir === 'client' ? client : core;
    if (into.has(name)) continue;
    const found = asset(`${root}/dist/${dir}/${name}`);
    into.set(name, found);
    const text = found.body.toString('utf8');
    for (const m of text.matchAll(IMPORT)) pending.push([m[1] === './' ? dir : 'core', m[2] as string]);
    if (/^\s*import\s*['"]|from\s*['"](?!\.\/|\.\.\/core\/)/m.test(text)) {
      throw new Error(`dist/${dir}/${name} imports a module the dashboard cannot serve to a browser`);
    }
  }
  return { client, core };
}

/** Reads the files from `root` (the package root by default). */
export function loadDashboardAssets(root = PACKAGE_ROOT): DashboardAssets {
  return { web: folder(`${root}/web/dashboard`), ...clientModules(root) };
}
