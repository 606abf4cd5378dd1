/**
 * Progress of long work (`send` from a file or stdin, `import-v1`) on stderr: on a terminal
 * one bar redrawn in place at most 10 times a second; otherwise (a pipe, a log file, CI) a
 * plain line once a second, starting after the first second, and a last one at the end of
 * work that printed any, so logs stay readable and quick work prints none.
 */

/** Where progress goes: a stream with an optional `isTTY` and terminal width. */
export interface ProgressOutput {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/** A running progress report. */
export interface Progress {
  /** Sets how much is done (and the total when it became known). */
  update(done: number, total?: number): void;
  /** Draws the final state and ends the bar's line. */
  finish(): void;
}

const REDRAW_MS = 100;
const LINE_MS = 1000;

function rate(done: number, startedAt: number, now: number): string {
  const seconds = (now - startedAt) / 1000;
  return seconds <= 0 ? '' : ` ${Math.round(done / seconds)}/s`;
}

/** Starts a progress report about `what` (e.g. "messages sent to jobs"). */
export function startProgress(out: ProgressOutput, what: string, total: number | null = null, clock: () => number = Date.now): Progress {
  const startedAt = clock();
  let done = 0;
  let known = total;
  const tty = out.isTTY === true;
  let drawnAt = tty ? -Infinity : startedAt;
  let drawnDone = -1;
  let finished = false;

  const barLine = (now: number): string => {
    const columns = out.columns ?? 0; // 0 on a pty nobody sized
    const width = Math.max(10, Math.min(40, (columns > 0 ? columns : 80) - 50));
    if (known === null || known <= 0) return `${done} ${what}${rate(done, startedAt, now)}`;
    const share = Math.min(1, done / known);
    const filled = Math.round(share * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(share * 100)}% ${done}/${known} ${what}${rate(done, startedAt, now)}`;
  };

  const draw = (force: boolean): void => {
    const now = clock();
    if (!force && now - drawnAt < (tty ? REDRAW_MS : LINE_MS)) return;
    if (!tty && done === drawnDone) return; // a plain line says nothing new
    drawnAt = now;
    drawnDone = done;
    if (tty) out.write(`\r\x1b[2K${barLine(now)}`);
    else out.write(`${known === null ? `${done}` : `${done}/${known}`} ${what}\n`);
  };

  return {
    update(n, t) {
      if (finished) return;
      done = n;
      if (t !== undefined) known = t;
      draw(false);
    },
    finish() {
      if (finished) return;
      finished = true;
      if (!tty && drawnDone < 0) return; // quick work: no line was printed, none is needed
      draw(true);
      if (tty) out.write('\n');
    },
  };
}
