#!/usr/bin/env bash
# The README's "Walk-through: every route with curl", as a script: every command below is
# written exactly as in the README and run against a RestMQ server; each is printed with a
# "$ " prompt, then its answer, so the output reads like the README.
#
#   bash examples/curl-walkthrough.sh [URL]      # or RESTMQ_URL=...; default http://localhost:8888
#
# Run it against a fresh server (`npm start` on an empty data dir): the keys it shows
# (test:1, orders:1, ...) count from 1 only on a new queue. For `curl -i` the headers are
# trimmed to the status line and the content type, as in the README.
# test/examples/curl-walkthrough.test.ts runs it and compares its output with the README.
set -euo pipefail

URL="${1:-${RESTMQ_URL:-http://localhost:8888}}"
URL="${URL%/}"

# No progress meter, but errors still shown.
curl() { command curl -sS "$@"; }

# Keeps the status lines and content types of `curl -i` output, and the body.
trim_headers() {
  awk '
    { sub(/\r$/, "") }
    body { print; next }
    /^HTTP\// { print; status = $2; next }
    tolower($0) ~ /^content-type:/ { print; next }
    $0 == "" { print; if (status !~ /^1/) body = 1 }
  '
}

# Prints one README command, then runs it against $URL instead of localhost:8888.
run() {
  local shown="$1" cmd="${1//localhost:8888/$URL}"
  printf '$ %s\n' "$shown"
  if [[ "$cmd" == *"curl -i "* ]]; then
    eval "$cmd" | trim_headers
  else
    eval "$cmd"
  fi
}

while IFS= read -r line; do
  case "$line" in
    '') ;;
    '#'*) printf '\n%s\n' "$line" ;;
    *) run "$line" ;;
  esac
done <<'COMMANDS'
# Publish and pop (/q/<queue>)
curl -d value=foobar localhost:8888/q/test
curl localhost:8888/q/test
curl -i localhost:8888/q/test

# The original index route (/)
curl -d queue=test -d value=hello localhost:8888/
curl -d queue=test -d msg=world -d ttl=60 localhost:8888/
curl 'localhost:8888/?queue=test'
curl -i 'localhost:8888/?queue=test-empty'
curl -H 'Accept: application/json' localhost:8888/

# JSON answers, JSONP, raw bodies
curl -H 'Accept: application/json' -d value=again localhost:8888/q/test
curl -d value=x -d callback=gotKey localhost:8888/q/test
curl -H 'content-type: application/json' -d '{"order":42}' localhost:8888/q/orders
curl -H 'content-type: text/plain' --data-binary 'plain text body' localhost:8888/q/orders
curl localhost:8888/q/orders

# Queues, policy, control, stats
curl localhost:8888/q/
curl localhost:8888/p/test
curl -d policy=roundrobin localhost:8888/p/test
curl -H 'Accept: application/json' -d policy=roundrobin localhost:8888/p/test
curl localhost:8888/control/test
curl -d status=stop localhost:8888/control/test
curl -d status=start localhost:8888/control/test
curl localhost:8888/control/
curl localhost:8888/stats/
curl localhost:8888/stats/test
curl 'localhost:8888/stats/test?callback=show'
curl localhost:8888/j/test
curl -X DELETE localhost:8888/q/orders

# The JSON protocol (/queue)
curl -d 'body={"cmd":"add","queue":"genesis","value":"abacab"}' localhost:8888/queue
curl -H 'content-type: application/json' -d '{"cmd":"add","queue":"genesis","value":{"doc":[1,2]}}' localhost:8888/queue
curl -d 'body={"cmd":"get","queue":"genesis"}' localhost:8888/queue
curl -d 'body={"cmd":"get","queue":"genesis"}' localhost:8888/queue
curl -d 'body={"cmd":"take","queue":"genesis"}' localhost:8888/queue
curl -d 'body={"cmd":"del","queue":"genesis","key":"genesis:2"}' localhost:8888/queue
curl -d 'body={"cmd":"take","queue":"genesis"}' localhost:8888/queue
curl -d 'body={"cmd":"add","value":"v"}' localhost:8888/queue/genesis
curl -d 'body={"cmd":"launch","queue":"genesis"}' localhost:8888/queue
curl -d 'body={oops' localhost:8888/queue

# Probes
curl localhost:8888/healthz
curl localhost:8888/readyz

# Errors
curl -i -d value=x 'localhost:8888/q/bad%20name'
curl -i -X POST localhost:8888/q/test
curl -i -d ttl=0 -d value=x localhost:8888/q/test
curl -i -d policy=random localhost:8888/p/test
curl -i -d status=pause localhost:8888/control/test
curl -i 'localhost:8888/q/test?callback=alert(1)'
curl -i -H 'content-type: application/xml' -d '<a/>' localhost:8888/q/test
head -c 1048577 /dev/zero | tr '\0' x | curl -i -H 'content-type: text/plain' --data-binary @- localhost:8888/q/test
COMMANDS
