#!/usr/bin/env node
// Runs the test files through node:test with tsx. Node 20's --test takes paths, not
// globs, so the files are listed here; the runner's own summary shows the real count.
// `--faults` runs the long fault-injection checks under test/faults instead.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function list(dir, suffix) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...list(path, suffix));
    else if (name.endsWith(suffix)) out.push(path);
  }
  return out;
}

const faults = process.argv.includes('--faults');
const files = faults ? list('test/faults', '.fault.ts') : list('test', '.test.ts');
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit', env: { ...process.env, RESTMQ_LOG_LEVEL: process.env.RESTMQ_LOG_LEVEL ?? 'silent' } },
);
process.exit(result.status ?? 1);
