#!/usr/bin/env node
// Word-count mapper: counts the words of each file and publishes one message per file,
// {"filename": ..., "count": {"word": n, ...}}, to a RestMQ queue. A reducer
// (reducer.mjs or reducer.py) consumes the queue over COMET and adds the counts up.
//
//   RESTMQ_URL=http://127.0.0.1:8888 node examples/mapreduce/mapper.mjs wordcount a.txt b.txt
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

const base = (process.env.RESTMQ_URL ?? 'http://127.0.0.1:8888').replace(/\/$/, '');
const [queue, ...files] = process.argv.slice(2);
if (queue === undefined || files.length === 0) {
  console.error('usage: mapper.mjs QUEUE FILE...');
  process.exit(2);
}

/** Lower-cased words: runs of a-z, 0-9 and apostrophes (the Python mapper splits the same way). */
function countWords(text) {
  const count = {};
  for (const word of text.toLowerCase().match(/[a-z0-9']+/g) ?? []) {
    count[word] = (count[word] ?? 0) + 1;
  }
  return count;
}

for (const file of files) {
  const count = countWords(await readFile(file, 'utf8'));
  // A raw JSON body is stored as its text; the answer is the new key.
  const res = await fetch(`${base}/q/${encodeURIComponent(queue)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filename: basename(file), count }),
  });
  const answer = (await res.text()).trim();
  if (!res.ok) {
    console.error(`${file}: RestMQ answered ${res.status} ${answer}`);
    process.exit(1);
  }
  console.log(`${file} -> ${answer}`);
}
