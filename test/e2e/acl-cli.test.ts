// `restmq serve --acl` as an operator meets it: a missing or broken file stops the start
// with exit 2 and a message naming the line; a good original file serves with its rules.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../support/server.js';
import { cleanEnv, freePort, runCli, spawnDaemon, waitHealthy } from './daemon.js';
import type { Daemon } from './daemon.js';

const dir = tempDir('restmq-acl-cli-');
const daemons: Daemon[] = [];
after(async () => {
  await Promise.all(daemons.map((d) => d.kill()));
  rmSync(dir, { recursive: true, force: true });
});

describe('restmq serve --acl', () => {
  it('exits 2 naming the file when it is missing, and the line when it is broken', () => {
    const missing = runCli(['serve', '--acl', join(dir, 'nope.conf'), '--data-dir', join(dir, 'd1'), '--port', '0']);
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /acl file .*nope\.conf cannot be read/);
    const broken = join(dir, 'broken.conf');
    writeFileSync(broken, '[rest:producer]\nusername = only\n\n[rest:consumer]\nhosts_allow = 10.0.0.0/8 example.org\n');
    const result = runCli(['serve', '--acl', broken, '--data-dir', join(dir, 'd2'), '--port', '0']);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /broken\.conf: line 2: \[rest:producer\] needs both username and password/);
  });

  it('serves with the original file (RESTMQ_ACL works too)', async () => {
    const file = join(dir, 'acl.conf');
    writeFileSync(file, '[rest:producer]\nusername = lero\npassword = lero\n');
    const port = await freePort();
    const daemon = spawnDaemon(['serve', '--port', String(port), '--data-dir', join(dir, 'd3')], `http://127.0.0.1:${port}`, {
      env: { ...cleanEnv(), RESTMQ_ACL: file },
    });
    daemons.push(daemon);
    await waitHealthy(daemon);
    const anonymous = await fetch(`${daemon.url}/q/cli`, { method: 'POST', body: new URLSearchParams({ value: 'x' }) });
    assert.equal(anonymous.status, 401);
    const producer = await fetch(`${daemon.url}/q/cli`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('lero:lero').toString('base64')}` },
      body: new URLSearchParams({ value: 'x' }),
    });
    assert.equal(producer.status, 200);
    assert.equal(await producer.text(), 'cli:1\r\n');
  });
});
