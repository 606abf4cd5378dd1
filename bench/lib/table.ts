/**
 * Renders rows as the one markdown table `npm run bench` prints and saves. Ratios are
 * figure / baseline for every row, whatever the unit, so a reader compares like with like.
 */
import type { BenchRow, Target } from './types.js';

function round(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function describeTarget(target: Target): string {
  switch (target.kind) {
    case 'ratio-at-least':
      return `≥ ${target.value}×`;
    case 'ratio-at-most':
      return `≤ ${target.value}×`;
    case 'figure-at-most':
      return `≤ ${target.value.toLocaleString('en-US')}`;
    case 'figure-at-least':
      return `≥ ${target.value.toLocaleString('en-US')}`;
  }
}

/** Whether a row meets its target; undefined when it has none. */
export function meetsTarget(row: BenchRow): boolean | undefined {
  if (row.target === undefined) return undefined;
  const ratio = row.figure / row.baseline;
  switch (row.target.kind) {
    case 'ratio-at-least':
      return ratio >= row.target.value;
    case 'ratio-at-most':
      return ratio <= row.target.value;
    case 'figure-at-most':
      return row.figure <= row.target.value;
    case 'figure-at-least':
      return row.figure >= row.target.value;
  }
}

/** The markdown table. */
export function renderTable(rows: readonly BenchRow[]): string {
  const lines = [
    '| suite | row | figure | baseline (same run) | ratio | target | met | notes |',
    '| --- | --- | ---: | --- | ---: | --- | --- | --- |',
  ];
  for (const row of rows) {
    const ratio = row.baseline > 0 ? `${(row.figure / row.baseline).toFixed(2)}×` : 'n/a';
    const met = meetsTarget(row);
    lines.push(
      [
        '',
        row.suite,
        row.name,
        `${round(row.figure)} ${row.unit}`,
        `${row.baselineName}: ${round(row.baseline)}`,
        ratio,
        row.target === undefined ? '' : describeTarget(row.target),
        met === undefined ? '' : met ? 'yes' : '**no**',
        (row.note ?? '').replace(/\|/g, '/'),
        '',
      ].join(' | ').trim(),
    );
  }
  return lines.join('\n');
}
