// Opening a store: open.ts picks the factory whose settings select it (Redis when a Redis
// setting names a server, else SQLite), contradictions are a StoreSettingsError before
// anything opens, and sharing is the capability (sharedHistory), not the store's name.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { StoreSettingsError } from '../../src/store/factory.js';
import { chooseStore, openStore } from '../../src/store/open.js';
import { FakeClock } from '../support/fake-clock.js';
import { tempDir } from '../support/server.js';

describe('opening a store', () => {
  it('picks SQLite by default and Redis when a Redis setting names a server', () => {
    assert.equal(chooseStore(DEFAULT_CONFIG).kind, 'sqlite');
    assert.equal(chooseStore({ ...DEFAULT_CONFIG, redisUrl: 'redis://127.0.0.1:6390/2' }).kind, 'redis');
    assert.equal(chooseStore({ ...DEFAULT_CONFIG, redisPort: 6390 }).kind, 'redis');
    assert.equal(chooseStore({ ...DEFAULT_CONFIG, redisPrefix: 'x:', redisPool: 3 }).kind, 'sqlite', 'settings that name no server');
  });

  it('refuses contradictory store settings without opening anything', () => {
    assert.throws(() => chooseStore({ ...DEFAULT_CONFIG, redisUrl: 'redis://h', redisCluster: [{ host: 'h', port: 7000 }] }), StoreSettingsError);
    assert.throws(() => chooseStore({ ...DEFAULT_CONFIG, redisDb: 1 }), /--redis-db needs a Redis server/);
  });

  it('opens SQLite with an in-process bus, no shared history, and what the start-up log reports', async () => {
    const dataDir = tempDir();
    const clock = new FakeClock();
    const opened = await openStore({ ...DEFAULT_CONFIG, dataDir, sync: 'normal' }, { logger: pino({ level: 'silent' }), clock });
    try {
      assert.equal(opened.store.kind, 'sqlite');
      assert.equal(opened.store.sharedHistory, undefined);
      assert.equal(opened.dataDir, dataDir);
      assert.deepEqual(opened.about, { dataDir, sync: 'normal' });
      assert.ok(clock.timers() >= 1, 'the maintenance pass runs on the given clock');
    } finally {
      await opened.signals.close();
      await opened.store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
