// The streaming settings: defaults, sources, and the bounds each one enforces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, loadConfig, serveHelp } from '../../src/config.js';

const BOUNDS: [flag: string, min: number, max: number][] = [
  ['stream-buffer-bytes', 1024, 256 * 1_048_576],
  ['stream-batch-size', 1, 10_000],
  ['stream-history-messages', 1, 1_000_000],
  ['stream-history-seconds', 1, 604_800],
  ['sse-heartbeat-seconds', 1, 300],
  ['sse-retry-ms', 0, 600_000],
  ['ws-ping-seconds', 1, 3600],
];

describe('streaming settings', () => {
  it('have the documented defaults', () => {
    assert.equal(DEFAULT_CONFIG.streamBufferBytes, 1_048_576);
    assert.equal(DEFAULT_CONFIG.streamBatchSize, 100);
    assert.equal(DEFAULT_CONFIG.streamHistoryMessages, 1000);
    assert.equal(DEFAULT_CONFIG.streamHistorySeconds, 300);
    assert.equal(DEFAULT_CONFIG.sseHeartbeatSeconds, 15);
    assert.equal(DEFAULT_CONFIG.sseRetryMs, 3000);
    assert.equal(DEFAULT_CONFIG.wsPingSeconds, 30);
  });

  it('accept each bound and refuse one past it, naming the flag', () => {
    for (const [flag, min, max] of BOUNDS) {
      assert.doesNotThrow(() => loadConfig({ flags: { [flag]: String(min) }, env: {} }), flag);
      assert.doesNotThrow(() => loadConfig({ flags: { [flag]: String(max) }, env: {} }), flag);
      if (min > 0) {
        assert.throws(() => loadConfig({ flags: { [flag]: String(min - 1) }, env: {} }), (e: unknown) => e instanceof ConfigError && e.message.includes(`--${flag}`));
      }
      assert.throws(() => loadConfig({ flags: { [flag]: String(max + 1) }, env: {} }), (e: unknown) => e instanceof ConfigError && e.message.includes(`--${flag}`));
    }
  });

  it('come from the environment too, and appear in --help', () => {
    const config = loadConfig({ flags: {}, env: { RESTMQ_STREAM_BUFFER_BYTES: '65536', RESTMQ_WS_PING_SECONDS: '5' } });
    assert.equal(config.streamBufferBytes, 65536);
    assert.equal(config.wsPingSeconds, 5);
    const help = serveHelp();
    for (const [flag] of BOUNDS) assert.match(help, new RegExp(`--${flag} `));
  });
});
