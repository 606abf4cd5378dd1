/**
 * Where the client commands connect and as whom: `--url`, `--token` and `--user` with the
 * environment variables RESTMQ_URL, RESTMQ_TOKEN and RESTMQ_USER as fallbacks, so a script
 * sets them once instead of repeating secrets on every command line (where `ps` shows them).
 */
import { ConfigError } from '../config.js';
import { RestMQClient } from '../client/index.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { textOption } from './args.js';

/** The options every client command takes. */
export const CONNECTION_OPTIONS: readonly OptionSpec[] = [
  { name: 'url', kind: 'value' },
  { name: 'token', kind: 'value' },
  { name: 'user', kind: 'value' },
  { name: 'help', short: 'h', kind: 'flag' },
];

/** The server a client command talks to when neither --url nor RESTMQ_URL says. */
export const DEFAULT_URL = 'http://127.0.0.1:8888';

/** The help lines of the connection options. */
export const CONNECTION_HELP = [
  'Connection (every client command):',
  `  --url URL             the server [env RESTMQ_URL, default ${DEFAULT_URL}]`,
  '  --token TOKEN         bearer token of an acl.conf [token:NAME] section [env RESTMQ_TOKEN]',
  '  --user NAME:PASSWORD  HTTP Basic credentials instead [env RESTMQ_USER]; a token wins',
].join('\n');

/** Builds the client from the parsed options and the environment. */
export function connect(args: ParsedArgs, env: Readonly<Record<string, string | undefined>>): RestMQClient {
  const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
  const url = nonEmpty(textOption(args, 'url')) ?? nonEmpty(env.RESTMQ_URL) ?? DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`--url must be an http:// or https:// URL (got ${JSON.stringify(url)})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(`--url must be an http:// or https:// URL (got ${JSON.stringify(url)})`);
  const token = nonEmpty(textOption(args, 'token')) ?? nonEmpty(env.RESTMQ_TOKEN);
  const user = nonEmpty(textOption(args, 'user')) ?? nonEmpty(env.RESTMQ_USER);
  if (token !== undefined) return new RestMQClient({ url, token });
  if (user !== undefined) {
    const colon = user.indexOf(':');
    if (colon <= 0) throw new ConfigError('--user must be NAME:PASSWORD');
    return new RestMQClient({ url, username: user.slice(0, colon), password: user.slice(colon + 1) });
  }
  return new RestMQClient({ url });
}
