#!/usr/bin/env python3
"""Word-count reducer (Python 3 standard library only).

Consumes a queue over COMET (GET /c/<queue>: one JSON object per line,
{"key": ..., "value": ...}, each line ending in \\r\\n) and adds up the counts the
mappers published, until it has EXPECTED results; then prints the totals as JSON.

    RESTMQ_URL=http://127.0.0.1:8888 python3 examples/mapreduce/reducer.py wordcount 3
"""
import http.client
import json
import os
import sys
import urllib.parse


def main(argv):
    if len(argv) != 2 or not argv[1].isdigit() or int(argv[1]) < 1:
        print("usage: reducer.py QUEUE EXPECTED_RESULTS", file=sys.stderr)
        return 2
    queue, expected = argv[0], int(argv[1])
    url = urllib.parse.urlsplit(os.environ.get("RESTMQ_URL", "http://127.0.0.1:8888"))
    connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    # No timeout: a COMET stream is quiet until a message comes.
    connection = connection_class(url.hostname, url.port)
    connection.request("GET", f"{url.path.rstrip('/')}/c/{urllib.parse.quote(queue, safe='')}")
    response = connection.getresponse()
    if response.status != 200:
        print(f"RestMQ answered {response.status} {response.read().decode('utf-8').strip()}", file=sys.stderr)
        return 1
    print(f"listening on {queue} for {expected} results", file=sys.stderr)

    totals, files = {}, []
    # http.client undoes the chunked encoding; each line is one message.
    while len(files) < expected:
        line = response.readline()
        if not line:
            print(f"the stream ended after {len(files)} of {expected} results", file=sys.stderr)
            return 1
        line = line.strip()
        if not line:
            continue  # a heartbeat
        result = json.loads(json.loads(line)["value"])  # {"filename", "count"} as the mapper sent it
        files.append(result["filename"])
        for word, n in result["count"].items():
            totals[word] = totals.get(word, 0) + n
    connection.close()
    print(json.dumps({"files": sorted(files), "words": totals}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
