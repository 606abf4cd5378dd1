/**
 * What access control costs: publish throughput of a daemon with a 100-rule acl.conf and
 * bearer-token auth beside the same daemon without an ACL, and with a user's HTTP Basic
 * (scrypt, verified once and then remembered). Phases alternate (none, token, basic, none,
 * token, basic) so a neighbour's load on the shared machine falls on every row alike.
 * The target (issue 14) is within 5% of no ACL.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword, hashToken } from '../../src/access/secrets.js';
import { startCliServer } from '../../test/support/cli-server.js';
import type { CliServer } from '../../test/support/cli-server.js';
import { describeLoad, runLoad } from '../lib/load.js';
import type { LoadResult } from '../lib/load.js';
import type { BenchContext, BenchRow, BenchSuite } from '../lib/types.js';
import { PAYLOAD } from './http.js';

const TOKEN = 'rmq_bench-token-that-is-long-enough-to-be-real-0123456789';

/** A 100-rule acl.conf: the four original sections with host lists, 95 tokens and one user. */
async function hundredRuleAcl(): Promise<string> {
  const prefixes = Array.from({ length: 10 }, (_, i) => `10.${i}.`).join(' ');
  const sections = ['rest:producer', 'rest:consumer', 'comet:consumer', 'websocket:consumer'].map(
    (s) => `[${s}]\nhosts_allow = 127.0.0.1 ::1 ${prefixes} 192.168.0.0/16 fd00::/8\nhosts_deny = 172.16.\n`,
  );
  const tokens = Array.from({ length: 95 }, (_, i) => {
    const secret = i === 94 ? TOKEN : `rmq_other-${i}`;
    return `[token:t${i}]\nsha256 = ${hashToken(secret)}\nqueues = bench-* team${i}.*\nallow = produce, consume\n`;
  });
  const user = `[user:bench]\npassword_hash = ${await hashPassword('bench-pw')}\nqueues = bench-*\nallow = produce\n`;
  return [...sections, ...tokens, user].join('\n');
}

/** Publish with and without an ACL, on SQLite `--sync full`. */
export const accessSuite: BenchSuite = {
  id: 'access',
  description: 'publish POST /q with a 100-rule acl.conf (token and Basic auth) beside the same daemon without an ACL, SQLite --sync full',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const aclFile = join(ctx.tempDir('access-acl'), 'acl.conf');
    writeFileSync(aclFile, await hundredRuleAcl());
    const open = await startCliServer({ dataDir: ctx.tempDir('access-none'), sync: 'full' });
    let guarded: CliServer | null = null;
    try {
      guarded = await startCliServer({ dataDir: ctx.tempDir('access-acl-data'), sync: 'full', extraArgs: ['--acl', aclFile] });
      const publish = (server: CliServer, headers: Record<string, string>) => ({
        connections: ctx.connections,
        seconds: ctx.seconds,
        url: `${server.url}/q/bench-access`,
        watch: [{ label: 'daemon', pid: server.pid }],
        method: 'POST' as const,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: `value=${PAYLOAD}`,
      });
      const variants = {
        none: publish(open, {}),
        token: publish(guarded, { authorization: `Bearer ${TOKEN}` }),
        basic: publish(guarded, { authorization: `Basic ${Buffer.from('bench:bench-pw').toString('base64')}` }),
      };
      const results: Record<keyof typeof variants, LoadResult[]> = { none: [], token: [], basic: [] };
      for (const spec of Object.values(variants)) await runLoad({ ...spec, seconds: 1 }); // warm-up
      for (let round = 0; round < 2; round++) {
        for (const name of ['none', 'token', 'basic'] as const) {
          ctx.log(`access: ${name} (${round + 1}/2) ...`);
          const r = await runLoad(variants[name]);
          if (r.non2xx > 0 || r.errors > 0) throw new Error(`access ${name}: ${describeLoad(r)}`);
          results[name].push(r);
          ctx.log(`access: ${name}: ${Math.round(r.rps)} req/s, ${describeLoad(r)}`);
        }
      }
      const mean = (rs: LoadResult[]): number => rs.reduce((a, r) => a + r.rps, 0) / rs.length;
      const runs = (rs: LoadResult[]): string => `runs ${rs.map((r) => Math.round(r.rps)).join(' and ')} req/s`;
      const baseline = mean(results.none);
      const baselineName = 'publish without ACL req/s';
      return [
        { suite: 'access', name: 'publish, no ACL', figure: baseline, unit: 'req/s', baselineName, baseline, note: `${runs(results.none)}; ${describeLoad(results.none[1] as LoadResult)}` },
        {
          suite: 'access',
          name: 'publish, 100-rule ACL, Bearer token',
          figure: mean(results.token),
          unit: 'req/s',
          baselineName,
          baseline,
          target: { kind: 'ratio-at-least', value: 0.95 },
          note: `${runs(results.token)}; ${describeLoad(results.token[1] as LoadResult)}`,
        },
        {
          suite: 'access',
          name: 'publish, 100-rule ACL, Basic user (scrypt, remembered)',
          figure: mean(results.basic),
          unit: 'req/s',
          baselineName,
          baseline,
          target: { kind: 'ratio-at-least', value: 0.95 },
          note: `${runs(results.basic)}; ${describeLoad(results.basic[1] as LoadResult)}`,
        },
      ];
    } finally {
      await guarded?.stop();
      await open.stop();
    }
  },
};
