-- Stats of one queue after dropping its expired messages (at most `budget` per call).
-- KEYS[1] meta   hash  {seq, created, policy, status}
-- KEYS[2] ready  zset  member = seq, score = seq
-- KEYS[3] exp    zset  member = seq, score = expiresAt
-- KEYS[4] msg    hash  seq -> "<createdAt>|<expiresAt or empty>|<value>"
-- KEYS[5] reads  hash  seq -> soft-read count
-- ARGV[1] now (ms), ARGV[2] budget of expired messages to drop
-- Returns {} when the queue does not exist, else
-- { more, seq, created, policy, status, length, oldestSeq, oldestCreated } ('' when empty).
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, seq in ipairs(expired) do
  redis.call('ZREM', KEYS[2], seq)
  redis.call('ZREM', KEYS[3], seq)
  redis.call('HDEL', KEYS[4], seq)
  redis.call('HDEL', KEYS[5], seq)
end
local more = 0
if #expired >= tonumber(ARGV[2]) then more = 1 end
local meta = redis.call('HMGET', KEYS[1], 'seq', 'created', 'policy', 'status')
local head = redis.call('ZRANGE', KEYS[2], 0, 0)
local oldestSeq, oldestCreated = '', ''
if #head > 0 then
  oldestSeq = head[1]
  local raw = redis.call('HGET', KEYS[4], oldestSeq)
  oldestCreated = raw and string.match(raw, '^(%d+)|') or ''
end
return { more, meta[1] or '0', meta[2] or '', meta[3] or '', meta[4] or '', redis.call('ZCARD', KEYS[2]), oldestSeq, oldestCreated }
