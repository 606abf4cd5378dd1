-- Appends a batch of messages to one queue (no limits, no dedup); returns the first seq.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] now (ms), ARGV[2] n, the number of messages
-- ARGV[3..] n triples: value, expiresAt ('' for never), visibleAt (0 for now)
-- Returns { first seq, 1 when this call created the queue else 0 }.
-- @include queue
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local created = redis.call('HSETNX', K_META, 'created', ARGV[1])
local last = redis.call('HINCRBY', K_META, 'seq', n)
local first = last - n + 1
for i = 0, n - 1 do
  store(int(first + i), now, ARGV[3 + 3 * i], ARGV[4 + 3 * i], tonumber(ARGV[5 + 3 * i]))
end
return { first, created }
