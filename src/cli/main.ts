/**
 * The `restmq` command line. Thin: it splits arguments, loads the config and hands it to
 * the composition root; it never reaches into the core itself.
 */
import { at } from '../core/checked.js';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, serveHelp } from '../config.js';
import { createLogger } from '../log-format.js';
import { startServer } from '../server.js';
import { reportToPrimary, shouldSupervise, superviseWorkers, workerBindings } from '../workers.js';
import { aclCommand } from './acl.js';
import { clientCommandsHelp, isClientCommand, runClientCommand } from './client-commands.js';
import { importCommand } from './import-v1.js';

const USAGE = `Usage: restmq <command> [options]

Commands:
  serve      serve RestMQ over HTTP (the default when only options are given)
  import-v1  move the original RestMQ's Redis data into this RestMQ's layout
  acl        make [token:NAME] and [user:NAME] sections for acl.conf (add-token,
             add-user, hash-token); the secret is shown once, only its hash is kept

Client commands (talk to a running server: --url, --token or --user, or RESTMQ_URL,
RESTMQ_TOKEN, RESTMQ_USER):
${clientCommandsHelp()}

Run "restmq serve --help" for the options, "restmq acl --help" for the acl commands,
"restmq <client command> --help" for each client command. Exit codes: 0 done, 1 refused
or failed (the error code on stderr), 2 bad usage, 3 a confirmation answered no.`;

/** Splits `--name value` and `--name=value` pairs; returns the flags and anything else. */
export function splitFlags(args: readonly string[]): { flags: Record<string, string>; rest: string[] } {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = at(args, i);
    if (!arg.startsWith('--') || arg === '--') {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags[arg.slice(2, eq)] = arg.slice(eq + 1);
    } else if (arg === '--help') {
      flags.help = 'true';
    } else {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) throw new ConfigError(`${arg} needs a value`);
      flags[arg.slice(2)] = next;
      i++;
    }
  }
  return { flags, rest };
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function serve(args: readonly string[]): Promise<void> {
  const { flags, rest } = splitFlags(args.map((a) => (a === '-h' ? '--help' : a)));
  if (flags.help !== undefined) {
    process.stdout.write(`${serveHelp()}\n`);
    return;
  }
  if (rest.length > 0) throw new ConfigError(`unexpected argument ${rest[0] ?? ''}`);
  const file = flags.config ?? process.env.RESTMQ_CONFIG;
  delete flags.config;
  const config = loadConfig({ flags, env: process.env, ...(file === undefined || file === '' ? {} : { file }) });
  if (shouldSupervise(config.workers)) {
    // The primary of --workers: it serves nothing, it keeps the workers serving (src/workers.ts).
    const logger = createLogger({ level: config.logLevel, format: config.logFormat });
    process.exit(await superviseWorkers({ workers: config.workers, logger, shutdownTimeoutMs: config.shutdownTimeoutMs }));
  }
  const bindings = workerBindings();
  const server = await startServer(config, bindings === null ? {} : { logger: createLogger({ level: config.logLevel, format: config.logFormat }).child(bindings) });
  let closing = false;
  const shutdown = (reason: Record<string, unknown>): void => {
    if (closing) return;
    closing = true;
    server.app.log.info(reason, 'shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) process.exit(1); // a second signal: stop now
    signalled = true;
    shutdown({ signal });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // SIGHUP re-reads the certificate (and what else reload() covers) without dropping connections.
  const reload = (reason: Record<string, unknown>): void => {
    server.app.log.info(reason, 'reloading');
    server.reload().catch((err: unknown) => server.app.log.error({ err }, 'reload failed'));
  };
  process.on('SIGHUP', () => reload({ signal: 'SIGHUP' }));
  // A worker of --workers also takes these from its primary (a drain order is not a signal:
  // a signal sent to the whole process group as well still counts as the first).
  reportToPrimary(server.port, { shutdown: () => shutdown({ from: 'primary' }), reload: () => reload({ from: 'primary' }) });
}

/** Runs the CLI with `argv` (without node and script). */
export async function main(argv: readonly string[]): Promise<void> {
  const [command, ...args] = argv;
  try {
    if (command === undefined || command.startsWith('--') || command === '-h') {
      if (command === '--help' || command === '-h') {
        process.stdout.write(`${USAGE}\n`);
        return;
      }
      if (command === '--version') {
        process.stdout.write(`${version()}\n`);
        return;
      }
      await serve(argv);
      return;
    }
    if (command === 'serve') {
      await serve(args);
      return;
    }
    if (command === 'import-v1') {
      const { flags, rest } = splitFlags(args.map((a) => (a === '-h' ? '--help' : a)));
      if (rest.length > 0) throw new ConfigError(`unexpected argument ${rest[0] ?? ''}`);
      process.exitCode = await importCommand(flags, process.env);
      return;
    }
    if (isClientCommand(command)) {
      process.exitCode = await runClientCommand(command, args, process.env);
      return;
    }
    if (command === 'acl') {
      await aclCommand(args);
      return;
    }
    if (command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    throw new ConfigError(`unknown command "${command}"\n\n${USAGE}`);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`restmq: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`restmq: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
