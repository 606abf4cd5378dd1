#!/usr/bin/env node
// Word-count reducer: consumes a queue over COMET (GET /c/<queue>: one JSON object per
// line, {"key": ..., "value": ...}, each line ending in \r\n) and adds up the counts the
// mappers published, until it has EXPECTED results; then prints the totals as JSON.
//
//   RESTMQ_URL=http://127.0.0.1:8888 node examples/mapreduce/reducer.mjs wordcount 3
const base = (process.env.RESTMQ_URL ?? 'http://127.0.0.1:8888').replace(/\/$/, '');
const [queue, expectedArg] = process.argv.slice(2);
const expected = Number(expectedArg);
if (queue === undefined || !Number.isInteger(expected) || expected < 1) {
  console.error('usage: reducer.mjs QUEUE EXPECTED_RESULTS');
  process.exit(2);
}

const totals = {};
const files = [];
// Aborting the request ends the stream once every result is in.
const done = new AbortController();
const res = await fetch(`${base}/c/${encodeURIComponent(queue)}`, { signal: done.signal });
if (!res.ok || res.body === null) {
  console.error(`RestMQ answered ${res.status} ${await res.text()}`);
  process.exit(1);
}
console.error(`listening on ${queue} for ${expected} results`);

let buffered = '';
try {
  for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let end;
    while ((end = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (line === '') continue; // a heartbeat
      const { value } = JSON.parse(line);
      const result = JSON.parse(value); // {"filename", "count"} as the mapper sent it
      files.push(result.filename);
      for (const [word, n] of Object.entries(result.count)) totals[word] = (totals[word] ?? 0) + n;
      if (files.length === expected) done.abort();
    }
  }
} catch (err) {
  if (!done.signal.aborted) throw err;
}
if (files.length < expected) {
  console.error(`the stream ended after ${files.length} of ${expected} results`);
  process.exit(1);
}
console.log(JSON.stringify({ files: files.sort(), words: totals }));
