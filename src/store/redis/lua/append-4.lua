-- Appends a batch of messages to one queue and returns the sequence number of the first.
-- KEYS[1] meta   hash  {seq, created, policy, status}
-- KEYS[2] ready  zset  member = seq, score = seq (FIFO order)
-- KEYS[3] exp    zset  member = seq, score = expiresAt (only messages with a ttl)
-- KEYS[4] msg    hash  seq -> "<createdAt>|<expiresAt or empty>|<value>"
-- ARGV[1] now (ms since the epoch)
-- ARGV[2] n, the number of messages
-- ARGV[3..] n pairs: value, expiresAt ('' for never)
local now = ARGV[1]
local n = tonumber(ARGV[2])
redis.call('HSETNX', KEYS[1], 'created', now)
local last = redis.call('HINCRBY', KEYS[1], 'seq', n)
local first = last - n + 1
for i = 0, n - 1 do
  local seq = string.format('%d', first + i)
  local exp = ARGV[4 + 2 * i]
  redis.call('HSET', KEYS[4], seq, now .. '|' .. exp .. '|' .. ARGV[3 + 2 * i])
  redis.call('ZADD', KEYS[2], seq, seq)
  if exp ~= '' then redis.call('ZADD', KEYS[3], exp, seq) end
end
return first
