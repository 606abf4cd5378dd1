#!/usr/bin/env python3
"""Word-count mapper (Python 3 standard library only).

Counts the words of each file and publishes one message per file,
{"filename": ..., "count": {"word": n, ...}}, to a RestMQ queue; a reducer
(reducer.py or reducer.mjs) consumes the queue over COMET and adds the counts up.

    RESTMQ_URL=http://127.0.0.1:8888 python3 examples/mapreduce/mapper.py wordcount a.txt b.txt
"""
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

# Lower-cased runs of a-z, 0-9 and apostrophes (the Node mapper splits the same way).
WORD = re.compile(r"[a-z0-9']+")


def count_words(text):
    count = {}
    for word in WORD.findall(text.lower()):
        count[word] = count.get(word, 0) + 1
    return count


def publish(base, queue, message):
    """POSTs a raw JSON body (stored as its text); RestMQ answers the new key."""
    request = urllib.request.Request(
        f"{base}/q/{urllib.parse.quote(queue, safe='')}",
        data=json.dumps(message).encode("utf-8"),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode("utf-8").strip()


def main(argv):
    if len(argv) < 2:
        print("usage: mapper.py QUEUE FILE...", file=sys.stderr)
        return 2
    base = os.environ.get("RESTMQ_URL", "http://127.0.0.1:8888").rstrip("/")
    queue, files = argv[0], argv[1:]
    for path in files:
        with open(path, encoding="utf-8") as f:
            count = count_words(f.read())
        try:
            key = publish(base, queue, {"filename": os.path.basename(path), "count": count})
        except urllib.error.HTTPError as err:
            print(f"{path}: RestMQ answered {err.code} {err.read().decode('utf-8').strip()}", file=sys.stderr)
            return 1
        print(f"{path} -> {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
