/**
 * `npm run bench [-- --quick] [-- --peers] [-- --only sqlite,depth]`: runs every suite
 * of the registry (with `--peers` also RabbitMQ, see suites/peers.ts), prints one markdown table and writes it to bench/results/<date>.md
 * (`<date>-quick.md` for quick runs). Progress goes to stderr.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTable } from './lib/table.js';
import type { BenchContext, BenchRow } from './lib/types.js';
import { ensureWrk } from './lib/wrk.js';
import { PEER_SUITES, SUITES } from './registry.js';

interface Options {
  readonly quick: boolean;
  readonly only: readonly string[] | null;
  /** Also run the peer suites (RabbitMQ). */
  readonly peers: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  let quick = false;
  let peers = false;
  let only: string[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--peers') peers = true;
    else if (arg === '--only') only = (argv[++i] ?? '').split(',').filter((s) => s !== '');
    else if (arg?.startsWith('--only=') === true) only = arg.slice('--only='.length).split(',').filter((s) => s !== '');
    else throw new Error(`unknown option ${String(arg)} (known: --quick, --peers, --only a,b)`);
  }
  const known = new Set([...SUITES, ...PEER_SUITES].map((s) => s.id));
  for (const id of only ?? []) if (!known.has(id)) throw new Error(`unknown suite ${id} (known: ${[...known].join(', ')})`);
  return { quick, only, peers };
}

function machine(): string {
  const cpu = cpus();
  const [one] = loadavg();
  return [
    `- cores: ${cpu.length} (${cpu[0]?.model ?? 'unknown model'})`,
    `- memory: ${Math.round(totalmem() / 1_073_741_824)} GiB`,
    `- node: ${process.version}, ${process.platform} ${process.arch}`,
    `- load average when the run began: ${(one ?? 0).toFixed(2)}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = mkdtempSync(join(tmpdir(), 'restmq-bench-'));
  const ctx: BenchContext = {
    quick: options.quick,
    // Quick phases are 2 s so the whole quick run, Redis suites included, stays under two minutes.
    seconds: options.quick ? 2 : 10,
    connections: 50,
    log: (message) => process.stderr.write(`[bench] ${message}\n`),
    tempDir: (label) => mkdtempSync(join(root, `${label}-`)),
  };
  // Installed (or refused with how to) before any server starts, not halfway through a run.
  const wrk = ensureWrk((message) => ctx.log(message));
  const started = new Date();
  const header = [
    `# RestMQ benchmark, ${started.toISOString()}${options.quick ? ' (quick)' : ''}`,
    '',
    machine(),
    `- load phases: ${ctx.seconds} s each, ${ctx.connections} connections; HTTP throughput by \`wrk -t1\` in its own process (${wrk}), fixed request counts (depth rounds) by autocannon in the bench process; daemon in a child process`,
    '- each note says the load generator, the 1-minute load average when its phase began, and the CPU seconds (and share of one core) of the daemon, its redis-server and the load generator over the phase',
    '',
  ].join('\n');
  const rows: BenchRow[] = [];
  try {
    for (const suite of [...SUITES, ...PEER_SUITES]) {
      const peer = PEER_SUITES.includes(suite);
      if (options.only !== null ? !options.only.includes(suite.id) : peer && !options.peers) continue;
      ctx.log(`suite ${suite.id}: ${suite.description}`);
      const suiteStarted = performance.now();
      rows.push(...(await suite.run(ctx)));
      ctx.log(`suite ${suite.id} took ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s`);
    }
    let out = `${header}\n${renderTable(rows)}\n`;
    out += `\nTook ${Math.round((Date.now() - started.getTime()) / 1000)} s.\n`;
    process.stdout.write(out);
    const dir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const name = `${started.toISOString().slice(0, 10)}${options.quick ? '-quick' : ''}.md`;
    writeFileSync(join(dir, name), out);
    ctx.log(`written to bench/results/${name}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
