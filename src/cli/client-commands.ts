/**
 * The client commands of `restmq` (send, recv, tail, stats, top, purge, drop, config,
 * redrive): each one's options, help text and runner, over the typed client library
 * (`restmq/client`). A refusal of the server exits 1 with its catalog code on stderr
 * (`restmq: queue_full: ...`); a usage error exits 2; 0 is success.
 */
import { RestMQError } from '../client/index.js';
import type { RestMQClient } from '../client/index.js';
import { parseArgs } from './args.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect } from './connect.js';
import { CONFIG_OPTIONS, DELETE_OPTIONS, REDRIVE_OPTIONS, configCommand, deleteCommand, redriveCommand } from './manage.js';
import { RECV_OPTIONS, recvCommand } from './recv.js';
import { DEFAULT_BATCH, SEND_OPTIONS, sendCommand } from './send.js';
import { STATS_OPTIONS, TOP_OPTIONS, statsCommand, topCommand } from './stats.js';
import { TAIL_OPTIONS, tailCommand } from './tail.js';

/** One client command. */
interface ClientCommand {
  readonly summary: string;
  readonly help: string;
  readonly options: readonly OptionSpec[];
  readonly run: (client: RestMQClient, args: ParsedArgs) => Promise<number>;
}

const io = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  signals: process,
};

/** Every client command by name, in `restmq --help` order. */
export const CLIENT_COMMANDS: Readonly<Record<string, ClientCommand>> = {
  send: {
    summary: 'publish VALUE, or one message per line of stdin or --file (batched)',
    help: `Usage: restmq send QUEUE [VALUE] [options]

Publishes VALUE and prints its key. Without VALUE (or with -), publishes one message per
line of stdin, or of --file F, through the batch API (each batch all or nothing; empty
lines are skipped), with a progress bar on stderr when it is a terminal and a plain line a
second otherwise, and prints a summary.

  -f, --file F     read the lines from F instead of stdin
  --ttl S          seconds until each message expires
  --delay S        seconds each message stays invisible
  --dedup ID       deduplication id (one VALUE only)
  --group G        message group of every message: a group is delivered in order, one
                   batch of it out at a time (docs/reliable-delivery.md)
  --batch N        messages per batch request, 1 to 1000 [default ${DEFAULT_BATCH}]`,
    options: SEND_OPTIONS,
    run: (client, args) => sendCommand(client, args, io),
  },
  recv: {
    summary: 'take messages: pop, or lease (and ack)',
    help: `Usage: restmq recv QUEUE [options]

Takes up to N messages (default 1) and prints each value on its own line; nothing when the
queue is empty (exit 0). Without --lease or --ack a message is removed as it is delivered.

  --lease [S]      lease instead: hidden for S seconds (the queue's lease setting when
                   S is left out) until acked; with --json the receipt is printed
  --ack            lease, print, then ack each message (at-least-once)
  -n N             up to N messages, 1 to 10000 [default 1]
  --wait S         long poll: wait up to S seconds (0 to 20) for the first message
  --json           one JSON object per line: key, value (group when it has one;
                   receipt, attempts, lease_expires_at when leased)`,
    options: RECV_OPTIONS,
    run: (client, args) => recvCommand(client, args, io.stdout),
  },
  tail: {
    summary: 'stream a queue until Ctrl-C, reconnecting and resuming',
    help: `Usage: restmq tail QUEUE [options]

Streams the queue over SSE and prints each value on its own line until Ctrl-C. When the
connection drops or the server restarts it says so on stderr, reconnects and resumes after
the last key it printed (messages still in the server's broadcast history arrive once).

  --since KEY      start after KEY (a key of this queue)
  --json           one JSON object per line: key, value`,
    options: TAIL_OPTIONS,
    run: (client, args) => tailCommand(client, args, io),
  },
  stats: {
    summary: 'a table of every queue, or of one',
    help: `Usage: restmq stats [QUEUE] [--json]

Prints a table of the queues the credentials may see (or of QUEUE): length, counts by state
when the server reports them, messages published, age of the oldest, policy and status.

  --json           the server's JSON answer instead`,
    options: STATS_OPTIONS,
    run: (client, args) => statsCommand(client, args, io.stdout),
  },
  top: {
    summary: 'a live view of all queues (q or Ctrl-C quits)',
    help: `Usage: restmq top [options]

The stats table of every queue, with the publish rate, refreshed in place on a terminal
(q, Esc or Ctrl-C quits); when stdout is not a terminal it prints one table per refresh.
A failed refresh is shown and retried; the exit code is 1 when the last one failed.

  -i, --interval S seconds between refreshes, 1 to 3600 [default 2]
  -c, --count N    stop after N refreshes`,
    options: TOP_OPTIONS,
    run: (client, args) => topCommand(client, args, io),
  },
  purge: {
    summary: 'delete every message of a queue (asks first)',
    help: `Usage: restmq purge QUEUE [--yes]

Deletes every message of QUEUE (its settings and key numbering stay). On a terminal it asks
first (an answer other than y exits 3); without a terminal it refuses unless --yes.

  -y, --yes        do not ask`,
    options: DELETE_OPTIONS,
    run: (client, args) => deleteCommand(client, 'purge', args, io),
  },
  drop: {
    summary: 'delete a queue with its messages and settings (asks first)',
    help: `Usage: restmq drop QUEUE [--yes]

Deletes QUEUE: its messages, settings, dedup memory and key numbering. On a terminal it
asks first (an answer other than y exits 3); without a terminal it refuses unless --yes.

  -y, --yes        do not ask`,
    options: DELETE_OPTIONS,
    run: (client, args) => deleteCommand(client, 'drop', args, io),
  },
  config: {
    summary: 'print or change queue settings (key=value...)',
    help: `Usage: restmq config QUEUE [key=value...] [--json]

Prints every setting of QUEUE, after changing the given ones (all or none). Keys: policy
(broadcast, roundrobin), status (start, stop), lease, max_attempts, dead_letter, delay,
ttl, max_length, dedup_window; null clears dead_letter, ttl and max_length.

  --json           print the settings as JSON`,
    options: CONFIG_OPTIONS,
    run: (client, args) => configCommand(client, args, io.stdout),
  },
  redrive: {
    summary: 'move dead letters back to their source queues',
    help: `Usage: restmq redrive QUEUE [-n N]

Moves the oldest dead letters of QUEUE (a dead-letter queue) back to the end of the queues
they came from, attempts reset, 1000 per request, and prints how many moved.

  -n N             at most N [default: all]`,
    options: REDRIVE_OPTIONS,
    run: (client, args) => redriveCommand(client, args, io.stdout),
  },
};

/** The lines of `restmq --help` that list the client commands. */
export function clientCommandsHelp(): string {
  return Object.entries(CLIENT_COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
    .join('\n');
}

/** True when `name` is a client command. */
export function isClientCommand(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(CLIENT_COMMANDS, name);
}

/** Runs client command `name` with its arguments; resolves with the exit code. */
export async function runClientCommand(name: string, argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const command = CLIENT_COMMANDS[name] as ClientCommand;
  const args = parseArgs(argv, [...CONNECTION_OPTIONS, ...command.options]);
  if (args.options.has('help')) {
    process.stdout.write(`${command.help}\n\n${CONNECTION_HELP}\n`);
    return 0;
  }
  try {
    return await command.run(connect(args, env), args);
  } catch (err) {
    if (!(err instanceof RestMQError)) throw err;
    process.stderr.write(`restmq: ${err.code}: ${err.message}\n`);
    return 1;
  }
}
