-- Returns the oldest deliverable message without removing it and counts the read.
-- Expired messages met at the head are deleted on the way (at most `budget` per call).
-- KEYS[1] ready  zset  member = seq, score = seq
-- KEYS[2] exp    zset  member = seq, score = expiresAt
-- KEYS[3] msg    hash  seq -> "<createdAt>|<expiresAt or empty>|<value>"
-- KEYS[4] reads  hash  seq -> soft-read count
-- ARGV[1] now (ms), ARGV[2] budget of expired messages to drop
-- Returns { more } when nothing is deliverable, else { 0, seq, raw, reads };
-- more = 1 when the budget ran out before a deliverable message was found.
local now = tonumber(ARGV[1])
local budget = tonumber(ARGV[2])
while true do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #head == 0 then return { 0 } end
  local seq = head[1]
  local raw = redis.call('HGET', KEYS[3], seq)
  local exp = raw and string.match(raw, '^%d+|(%d*)|') or ''
  if raw and (exp == '' or tonumber(exp) > now) then
    local reads = redis.call('HINCRBY', KEYS[4], seq, 1)
    return { 0, seq, raw, reads }
  end
  redis.call('ZREM', KEYS[1], seq)
  redis.call('ZREM', KEYS[2], seq)
  redis.call('HDEL', KEYS[3], seq)
  redis.call('HDEL', KEYS[4], seq)
  budget = budget - 1
  if budget <= 0 then return { 1 } end
end
