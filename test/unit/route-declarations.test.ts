// Every route must declare what it needs: a route without `config.access` stops the app
// from being built (buildHttpApp installs this check before its routes, so every test that
// starts a server also proves the real routes all declare one).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { PUBLIC, consumes } from '../../src/access/rights.js';
import { requireAccessDeclarations } from '../../src/http/guards/declarations.js';

describe('route access declarations', () => {
  it('refuse a route that declares nothing, and accept one that does', async () => {
    const app = Fastify();
    requireAccessDeclarations(app);
    app.get('/declared', consumes('param'), () => 'ok');
    app.get('/probe', PUBLIC, () => 'ok');
    assert.throws(() => app.get('/forgotten', () => 'oops'), /route GET \/forgotten declares no access/);
    await app.close();
  });
});
