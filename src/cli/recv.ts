/**
 * `restmq recv QUEUE`: takes up to `-n` messages, by pop (removed when delivered), or with
 * `--lease` (hidden until acked or the lease ends), or `--ack` (leased, printed, then acked,
 * so a message lost on the way is delivered again instead of gone). Prints each value on
 * its own line, or with `--json` one JSON object per line that includes the receipt.
 */
import type { LeasedMessage, Message, RestMQClient } from '../client/index.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { intOption, positionals } from './args.js';

/** The options of `recv`. */
export const RECV_OPTIONS: readonly OptionSpec[] = [
  { name: 'lease', kind: 'optional-number' },
  { name: 'ack', kind: 'flag' },
  { name: 'n', short: 'n', kind: 'value' },
  { name: 'wait', kind: 'value' },
  { name: 'json', kind: 'flag' },
];

/** Most messages one `recv` takes. */
export const MAX_RECV = 10_000;
/** Most messages one lease request asks for (the server's limit). */
const LEASE_PAGE = 100;

function line(message: Message | LeasedMessage, json: boolean): string {
  if (!json) return `${message.value}\n`;
  const leased = 'receipt' in message ? { receipt: message.receipt, attempts: message.attempts, lease_expires_at: message.leaseExpiresAt } : {};
  const group = message.group === undefined ? {} : { group: message.group };
  return `${JSON.stringify({ key: message.key, value: message.value, ...group, ...leased })}\n`;
}

/** Runs `recv`; resolves with the exit code (0 also when nothing came). */
export async function recvCommand(client: RestMQClient, args: ParsedArgs, out: { write(text: string): unknown }): Promise<number> {
  const [queue] = positionals(args, 1, 1, 'restmq recv QUEUE [--lease [SECONDS]] [--ack] [-n N] [--wait SECONDS] [--json]') as [string];
  const n = intOption(args, 'n', 1, MAX_RECV) ?? 1;
  const wait = intOption(args, 'wait', 0, 20);
  const lease = args.options.get('lease');
  const ack = args.options.has('ack');
  const json = args.options.has('json');
  let got = 0;
  if (lease === undefined && !ack) {
    while (got < n) {
      // Only the first request waits: after a message came, an empty queue ends the run.
      const message = await client.pop(queue, { wait: got === 0 ? wait : undefined });
      if (message === null) break;
      out.write(line(message, json));
      got++;
    }
    return 0;
  }
  const seconds = lease === undefined || lease === true ? undefined : intOption(args, 'lease', 1, 43_200);
  while (got < n) {
    const page = await client.lease(queue, { seconds, n: Math.min(LEASE_PAGE, n - got), wait: got === 0 ? wait : undefined });
    if (page.length === 0) break;
    for (const message of page) {
      out.write(line(message, json));
      if (ack) await message.ack();
    }
    got += page.length;
  }
  return 0;
}
