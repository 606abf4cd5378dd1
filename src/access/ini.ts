/**
 * The INI dialect of the original acl.conf (Python's ConfigParser, as RestMQ used it):
 * `[section]` headers, `key = value` or `key: value`, comments on lines starting with `#`
 * or `;`, blank lines, and indented continuation lines. Errors name the line, so a broken
 * file can be fixed from the message alone.
 */
import { at } from '../core/checked.js';

/** One `key = value` of a section, with the line it was read from. */
export interface IniEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/** One `[name]` section and its entries, in file order. */
export interface IniSection {
  readonly name: string;
  readonly line: number;
  readonly entries: IniEntry[];
}

/** A parse or validation error that names the line of the file. */
export class IniError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'IniError';
  }
}

/** Largest acl.conf accepted, so a wrong path (a log file, a device) fails fast. */
export const MAX_INI_BYTES = 1_048_576;

/** Parses INI text into sections; throws {@link IniError}. */
export function parseIni(text: string): IniSection[] {
  if (text.length > MAX_INI_BYTES) throw new IniError(1, `the file is larger than ${MAX_INI_BYTES} bytes`);
  const sections: IniSection[] = [];
  const seen = new Set<string>();
  let current: IniSection | null = null;
  let last: { entry: IniEntry; index: number } | null = null;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (/^\s*([#;].*)?$/.test(raw)) return;
    if (/^\s/.test(raw) && last !== null && current !== null) {
      // A continuation line extends the previous value, as ConfigParser does.
      const entry: IniEntry = { ...last.entry, value: `${last.entry.value} ${raw.trim()}`.trim() };
      current.entries[last.index] = entry;
      last = { entry, index: last.index };
      return;
    }
    const header = /^\[([^\]]+)\]\s*([#;].*)?$/.exec(raw.trim());
    if (header !== null) {
      const name = at(header, 1).trim();
      if (seen.has(name)) throw new IniError(line, `section [${name}] appears twice`);
      seen.add(name);
      current = { name, line, entries: [] };
      sections.push(current);
      last = null;
      return;
    }
    const pair = /^\s*([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(raw);
    if (pair === null) throw new IniError(line, `expected [section] or key = value, got ${JSON.stringify(raw.slice(0, 80))}`);
    if (current === null) throw new IniError(line, 'key = value before any [section]');
    const key = at(pair, 1).toLowerCase();
    if (current.entries.some((e) => e.key === key)) throw new IniError(line, `${key} appears twice in [${current.name}]`);
    const entry: IniEntry = { key, value: at(pair, 2).trim(), line };
    current.entries.push(entry);
    last = { entry, index: current.entries.length - 1 };
  });
  return sections;
}
