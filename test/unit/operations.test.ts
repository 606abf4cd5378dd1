// The operations table (src/operations): every operation declares its access, the JSON
// protocol's command rights come from it unchanged, and a transport needs nothing but the
// bound operations to publish, lease, extend, release, ack and peek (what a new protocol
// adapter, such as SQS, calls).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OPERATIONS, bindOperations } from '../../src/operations/index.js';
import { COMMAND_RIGHTS } from '../../src/protocol/json-commands.js';
import { queueName, startTestServer } from '../support/server.js';
import type { TestServer } from '../support/server.js';

describe('operations table', () => {
  it('declares the access of every operation', () => {
    for (const [name, op] of Object.entries(OPERATIONS)) {
      assert.ok(['produce', 'consume', 'admin', 'public'].includes(op.access), name);
    }
  });

  it('gives operations that share a route the same access', () => {
    // DELETE /q/<queue>/<key> removes or acks; DELETE /q/<queue> purges or drops.
    assert.equal(OPERATIONS.remove.access, OPERATIONS.ack.access);
    assert.equal(OPERATIONS.drop.access, OPERATIONS.purge.access);
  });

  it('gives the JSON commands the rights they always had', () => {
    assert.deepEqual({ ...COMMAND_RIGHTS }, {
      add: 'produce',
      get: 'consume',
      take: 'consume',
      del: 'consume',
      lease: 'consume',
      ack: 'consume',
      release: 'consume',
      extend: 'consume',
    });
  });
});

describe('a transport over the bound operations', () => {
  let server: TestServer;
  let clock = Date.UTC(2031, 0, 1);
  before(async () => {
    server = await startTestServer({}, { now: () => clock });
  });
  after(() => server.stop());

  it('publishes, leases, extends, releases, acks and peeks without touching the Broker', async () => {
    const ops = bindOperations({ broker: server.broker, dispatcher: server.dispatcher });
    const queue = queueName();
    const { key } = await ops.publish({ queue, message: { value: 'v', ttlSeconds: null } });
    const fields: Record<string, unknown> = { queue, n: '1', lease: '30' };
    const leased = await ops.lease(OPERATIONS.lease.parse((name) => fields[name]));
    const [message] = leased.messages;
    assert.ok(message !== undefined && message.key === key);
    clock += 10_000;
    const until = await ops.extend({ queue, key, receipt: message.receipt, seconds: 60 });
    assert.equal(until, clock + 60_000);
    const released = await ops.release({ queue, key, receipt: message.receipt, delaySeconds: 0 });
    assert.equal(released.kind, 'released');
    const again = await ops.receive({ queue, count: 1, lease: { seconds: 30 }, waitSeconds: 0 });
    const [second] = again.messages;
    assert.ok(second !== undefined && 'receipt' in second);
    await ops.ack({ queue, key, receipt: second.receipt });
    assert.deepEqual((await ops.peek({ queue, count: 10 })).messages, []);
  });
});
