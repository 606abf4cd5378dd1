/**
 * `restmq tail QUEUE`: streams a queue over SSE (the client library's subscription) until
 * Ctrl-C or SIGTERM. A dropped connection or a restarting server is reported on stderr and
 * the subscription reconnects and resumes after the last key it printed, so within the
 * server's broadcast history nothing is missed or printed twice. A refusal that retrying
 * cannot fix (unauthorized, forbidden, a bad --since) ends it with exit code 1.
 */
import type { RestMQClient, RestMQError } from '../client/index.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import { positionals, textOption } from './args.js';

/** The options of `tail`. */
export const TAIL_OPTIONS: readonly OptionSpec[] = [
  { name: 'since', kind: 'value' },
  { name: 'json', kind: 'flag' },
];

/** The refusals after which the subscription gives up (the same rule as the client library's). */
function isFinal(error: RestMQError): boolean {
  const retried = error.status === 408 || error.status === 429 || error.code === 'queue_purged' || error.code === 'slow_consumer';
  return error.status >= 400 && error.status < 500 && !retried;
}

/** Where `tail` writes, and the process it listens to for signals. */
export interface TailIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly signals: Pick<NodeJS.Process, 'once' | 'off'>;
}

/** Runs `tail`; resolves with the exit code when stopped by a signal (0) or a final refusal (1). */
export function tailCommand(client: RestMQClient, args: ParsedArgs, io: TailIo): Promise<number> {
  const [queue] = positionals(args, 1, 1, 'restmq tail QUEUE [--since KEY] [--json]') as [string];
  const since = textOption(args, 'since');
  const json = args.options.has('json');
  return new Promise((resolve) => {
    let interrupted = false;
    let broken = false;
    const subscription = client.subscribe(queue, {
      transport: 'sse',
      ...(since === undefined ? {} : { since }),
      maxDelayMs: 5000,
      onMessage: (message) => {
        io.stdout.write(json ? `${JSON.stringify(message)}\n` : `${message.value}\n`);
      },
      onOpen: () => {
        if (broken) io.stderr.write(`restmq: tail: connected again, resuming after ${subscription.lastKey ?? 'the start'}\n`);
        broken = false;
      },
      onError: (error: RestMQError) => {
        if (interrupted) return;
        if (isFinal(error)) {
          io.stderr.write(`restmq: ${error.code}: ${error.message}\n`);
          stop(1);
          return;
        }
        if (!broken) io.stderr.write(`restmq: tail: ${error.code}: ${error.message}; reconnecting\n`);
        broken = true;
      },
    });
    const onSignal = (): void => {
      interrupted = true;
      stop(0);
    };
    const stop = (code: number): void => {
      io.signals.off('SIGINT', onSignal);
      io.signals.off('SIGTERM', onSignal);
      subscription.close();
      resolve(code);
    };
    io.signals.once('SIGINT', onSignal);
    io.signals.once('SIGTERM', onSignal);
  });
}
