-- Puts messages that were taken but handed to no consumer back into one queue at their own
-- keys (so FIFO order by key holds) and removes them from the broadcast history. A message
-- the queue holds again is left as it is.
-- KEYS[1] ready    zset    member = seq, score = seq
-- KEYS[2] exp      zset    member = seq, score = expiresAt
-- KEYS[3] msg      hash    seq -> "<createdAt>|<expiresAt or empty>|<value>"
-- KEYS[4] reads    hash    seq -> soft-read count
-- KEYS[5] history  stream  id "<streamedAt ms>-<n>", fields s = seq, m = raw message
-- KEYS[6] index    zset    member = history entry id, score = seq
-- ARGV[1] n, then n triples: seq, raw message, reads
-- Returns how many went back into the queue.
local n = tonumber(ARGV[1])
local back = 0
for i = 0, n - 1 do
  local seq = ARGV[2 + 3 * i]
  local raw = ARGV[3 + 3 * i]
  local reads = tonumber(ARGV[4 + 3 * i])
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[6], seq, seq)) do
    redis.call('XDEL', KEYS[5], id)
    redis.call('ZREM', KEYS[6], id)
  end
  if redis.call('HEXISTS', KEYS[3], seq) == 0 then
    redis.call('HSET', KEYS[3], seq, raw)
    redis.call('ZADD', KEYS[1], seq, seq)
    local exp = string.match(raw, '^%d+|(%d*)|') or ''
    if exp ~= '' then redis.call('ZADD', KEYS[2], exp, seq) end
    if reads > 0 then redis.call('HSET', KEYS[4], seq, reads) end
    back = back + 1
  end
end
return back
