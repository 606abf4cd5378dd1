// [key:NAME] sections of acl.conf: AWS access keys for SQS signatures, checked at load time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAclFile } from '../../src/access/acl-file.js';
import { IniError } from '../../src/access/ini.js';

const GOOD = '[key:app]\naccess_key_id = AKIAEXAMPLE000000001\nsecret_access_key = s3cret-s3cret-s3cret\nqueues = jobs-*\nallow = produce consume\n';

describe('acl.conf access keys', () => {
  it('reads a key with its id, secret and grant', () => {
    const key = parseAclFile(GOOD).keys.get('AKIAEXAMPLE000000001');
    assert.equal(key?.name, 'app');
    assert.equal(key?.secretAccessKey, 's3cret-s3cret-s3cret');
    assert.ok(key?.grant.covers('jobs-1'));
    assert.ok(!key?.grant.covers('other'));
    assert.deepEqual([...(key?.grant.rights ?? [])], ['produce', 'consume']);
  });

  it('refuses bad ids, short secrets, unknown settings and a repeated id, naming the line', () => {
    const bad = [
      GOOD.replace('AKIAEXAMPLE000000001', 'akia-lower'),
      GOOD.replace('AKIAEXAMPLE000000001', 'AKIASHORT'),
      GOOD.replace('s3cret-s3cret-s3cret', 'short'),
      GOOD.replace('s3cret-s3cret-s3cret', 'has a space in it 123'),
      GOOD.replace('secret_access_key = s3cret-s3cret-s3cret\n', ''),
      `${GOOD}password_hash = x\n`,
      `${GOOD}\n${GOOD.replace('[key:app]', '[key:other]')}`,
    ];
    for (const text of bad) assert.throws(() => parseAclFile(text), IniError, text);
  });
});
