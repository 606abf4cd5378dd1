-- Puts messages that were taken but handed to no consumer back into one queue, ready, at
-- their own keys (so FIFO order by key holds), and removes them from the broadcast
-- history. A message the queue holds again (in any state) is left as it is.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- KEYS[16] history  stream  id "<streamedAt ms>-<n>", fields s = seq, m = raw message
-- KEYS[17] index    zset    member = history entry id, score = seq
-- ARGV[1] n, then n triples: seq, raw message, reads
-- Returns how many went back into the queue.
-- @include queue
local K_HISTORY, K_INDEX = KEYS[16], KEYS[17]
local n = tonumber(ARGV[1])
local back = 0
for i = 0, n - 1 do
  local seq = ARGV[2 + 3 * i]
  local raw = ARGV[3 + 3 * i]
  local reads = tonumber(ARGV[4 + 3 * i])
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', K_INDEX, seq, seq)) do
    redis.call('XDEL', K_HISTORY, id)
    redis.call('ZREM', K_INDEX, id)
  end
  if redis.call('HEXISTS', K_MSG, seq) == 0 then
    redis.call('HSET', K_MSG, seq, raw)
    redis.call('ZADD', K_READY, seq, seq)
    local exp = expiryOf(raw)
    if exp ~= '' then redis.call('ZADD', K_EXP, exp, seq) end
    if reads > 0 then redis.call('HSET', K_READS, seq, reads) end
    back = back + 1
  end
end
return back
