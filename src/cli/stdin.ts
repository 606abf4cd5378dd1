/**
 * Reading one secret from stdin for `restmq acl`: from a pipe, the whole input must be one
 * line; on a terminal, the line is typed without echo so it stays off the screen and out of
 * terminal scrollback.
 */
import { ConfigError } from '../config.js';

/** Most bytes read from a piped stdin; a secret is one short line. */
const MAX_STDIN_BYTES = 64 * 1024;

/** Reads stdin to its end and returns its one line (without the line ending). */
export async function readStdinLine(what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), 'utf8');
    size += buf.length;
    if (size > MAX_STDIN_BYTES) throw new ConfigError(`stdin holds more than ${MAX_STDIN_BYTES} bytes; give the ${what} as one line`);
    chunks.push(buf);
    if (process.stdin.isTTY && buf.includes(0x0a)) break; // typed: the first line is enough
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const lines = text.split(/\r?\n/);
  const first = lines[0] ?? '';
  if (!process.stdin.isTTY && lines.slice(1).some((l) => l !== '')) throw new ConfigError(`stdin holds more than one line; give the ${what} as one line`);
  if (first === '') throw new ConfigError(`no ${what} on stdin (an empty line)`);
  return first;
}

/** Asks `prompt` on stderr and reads one line from the terminal on stdin without echo. */
export function readHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (err?: Error): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (err === undefined) resolve(typed);
      else reject(err);
    };
    const onData = (text: string): void => {
      for (const ch of text) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new ConfigError('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    input.setRawMode(true); // no echo, and no line editing by the terminal: handled above
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
    process.stderr.write(prompt);
  });
}
