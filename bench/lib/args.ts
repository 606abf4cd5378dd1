/** Command-line options of the bench's own tools (`--name value`). */

/** The value after `--name` on the command line, or `fallback` when it is not given. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : fallback;
}
