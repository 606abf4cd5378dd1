// --tls-cert and --tls-key: given together or not at all, never empty, from every source.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, tlsFiles } from '../../src/config.js';

function refuses(run: () => unknown, text: string): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.ok(err.message.includes(text), `"${err.message}" names ${text}`);
    return true;
  });
}

describe('TLS settings', () => {
  it('neither: plain HTTP', () => {
    assert.equal(tlsFiles(loadConfig({ flags: {}, env: {} })), null);
  });

  it('both, from flags or the environment', () => {
    assert.deepEqual(tlsFiles(loadConfig({ flags: { 'tls-cert': 'c.pem', 'tls-key': 'k.pem' }, env: {} })), { cert: 'c.pem', key: 'k.pem' });
    assert.deepEqual(tlsFiles(loadConfig({ flags: {}, env: { RESTMQ_TLS_CERT: 'c.pem', RESTMQ_TLS_KEY: 'k.pem' } })), { cert: 'c.pem', key: 'k.pem' });
    assert.deepEqual(tlsFiles(loadConfig({ flags: { 'tls-key': 'k2.pem' }, env: { RESTMQ_TLS_CERT: 'c.pem', RESTMQ_TLS_KEY: 'k.pem' } })), { cert: 'c.pem', key: 'k2.pem' });
  });

  it('one without the other is refused, naming both', () => {
    refuses(() => loadConfig({ flags: { 'tls-cert': 'c.pem' }, env: {} }), '--tls-cert and --tls-key must be given together (got only --tls-cert)');
    refuses(() => loadConfig({ flags: {}, env: { RESTMQ_TLS_KEY: 'k.pem' } }), 'got only --tls-key');
  });

  it('an empty path is refused from a flag; an empty environment variable counts as unset', () => {
    refuses(() => loadConfig({ flags: { 'tls-cert': '', 'tls-key': 'k.pem' }, env: {} }), '--tls-cert must be a non-empty string');
    refuses(() => loadConfig({ flags: { 'tls-cert': 'c.pem', 'tls-key': '' }, env: {} }), '--tls-key must be a non-empty string');
    refuses(() => loadConfig({ flags: { 'tls-cert': 'c.pem' }, env: { RESTMQ_TLS_KEY: '' } }), 'got only --tls-cert');
  });
});
