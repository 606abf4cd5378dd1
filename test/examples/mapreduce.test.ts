// The word-count map/reduce examples (Node and Python standard library): mappers publish one
// count per file, a reducer consumes them over COMET and prints the totals.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { queueName, startTestServer, tempDir } from '../support/server.js';
import type { TestServer } from '../support/server.js';
import { EXAMPLES, run, start } from './helpers.js';

const NODE_MAPPER = join(EXAMPLES, 'mapreduce/mapper.mjs');
const NODE_REDUCER = join(EXAMPLES, 'mapreduce/reducer.mjs');
const PY_MAPPER = join(EXAMPLES, 'mapreduce/mapper.py');
const PY_REDUCER = join(EXAMPLES, 'mapreduce/reducer.py');

/** Three small texts; their word counts are written out by hand below. */
const TEXTS: Record<string, string> = {
  'a.txt': 'The quick brown fox.\nThe lazy dog!\n',
  'b.txt': "It's the fox, THE FOX; it's 2 foxes.\n",
  'c.txt': 'dog dog dog\n\n  brown\tcow\n',
};
const TOTALS: Record<string, number> = {
  the: 4, quick: 1, brown: 2, fox: 3, lazy: 1, dog: 4, "it's": 2, '2': 1, foxes: 1, cow: 1,
};

/** The reducer's one line of output. */
interface Result {
  files: string[];
  words: Record<string, number>;
}

function parseResult(stdout: string): Result {
  const parsed: unknown = JSON.parse(stdout);
  assert.ok(typeof parsed === 'object' && parsed !== null && 'files' in parsed && 'words' in parsed, stdout);
  return parsed as Result;
}

describe('examples/mapreduce', () => {
  let server: TestServer;
  let dir: string;
  let files: string[];

  before(async () => {
    server = await startTestServer({ sync: 'normal' });
    dir = tempDir('restmq-mapreduce-');
    files = Object.entries(TEXTS).map(([name, text]) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    });
  });

  after(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the reducer, waits until it listens, runs the mappers (one file each), checks the totals. */
  async function mapReduce(reducer: readonly string[], mappers: ReadonlyArray<readonly string[]>): Promise<void> {
    const queue = queueName('wordcount');
    const consumer = start(reducer[0] ?? '', [...reducer.slice(1), queue, String(files.length)], server.url);
    try {
      await consumer.waitFor(/listening on/);
      for (const [i, file] of files.entries()) {
        const mapper = mappers[i % mappers.length] ?? [];
        const mapped = await run(mapper[0] ?? '', [...mapper.slice(1), queue, file], server.url);
        assert.equal(mapped.status, 0, mapped.stderr);
        assert.match(mapped.stdout, new RegExp(`-> ${queue}:${i + 1}\\n$`));
      }
      assert.equal(await consumer.exited, 0, consumer.stderr());
      const result = parseResult(consumer.stdout());
      assert.deepEqual(result.files, Object.keys(TEXTS));
      assert.deepEqual(result.words, TOTALS);
      // The reducer took every result off the queue.
      const left = await fetch(`${server.url}/q/${queue}`);
      assert.equal(left.status, 204);
    } finally {
      await consumer.kill();
    }
  }

  it('Node: mapper.mjs per file, reducer.mjs over COMET', async () => {
    await mapReduce([process.execPath, NODE_REDUCER], [[process.execPath, NODE_MAPPER]]);
  });

  it('Python: mapper.py per file, reducer.py over COMET (standard library only)', async () => {
    await mapReduce(['python3', PY_REDUCER], [['python3', PY_MAPPER]]);
  });

  it('the two speak the same messages: Node and Python mappers into either reducer', async () => {
    const both = [[process.execPath, NODE_MAPPER], ['python3', PY_MAPPER]];
    await mapReduce(['python3', PY_REDUCER], both);
    await mapReduce([process.execPath, NODE_REDUCER], both);
  });

  it('results published before the reducer connects wait in the queue for it', async () => {
    const queue = queueName('wordcount');
    const mapped = await run(process.execPath, [NODE_MAPPER, queue, ...files], server.url);
    assert.equal(mapped.status, 0, mapped.stderr);
    const reduced = await run('python3', [PY_REDUCER, queue, String(files.length)], server.url);
    assert.equal(reduced.status, 0, reduced.stderr);
    assert.deepEqual(parseResult(reduced.stdout).words, TOTALS);
  });

  it('mappers and reducers say what went wrong', async () => {
    for (const mapper of [[process.execPath, NODE_MAPPER], ['python3', PY_MAPPER]]) {
      const bad = await run(mapper[0] ?? '', [...mapper.slice(1), 'bad name', files[0] ?? ''], server.url);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /answered 400 .*invalid_queue_name/);
    }
    for (const reducer of [[process.execPath, NODE_REDUCER], ['python3', PY_REDUCER]]) {
      const bad = await run(reducer[0] ?? '', [...reducer.slice(1), 'bad name', '1'], server.url);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /answered 400 .*invalid_queue_name/);
    }
  });
});
