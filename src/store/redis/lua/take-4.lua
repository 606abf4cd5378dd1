-- Removes and returns up to `limit` of the oldest deliverable messages, oldest first.
-- Expired messages met at the head are deleted on the way (at most `budget` per call).
-- KEYS[1] ready  zset  member = seq, score = seq
-- KEYS[2] exp    zset  member = seq, score = expiresAt
-- KEYS[3] msg    hash  seq -> "<createdAt>|<expiresAt or empty>|<value>"
-- KEYS[4] reads  hash  seq -> soft-read count
-- ARGV[1] now (ms), ARGV[2] limit, ARGV[3] budget of expired messages to drop
-- Returns { more, seq1, raw1, reads1, seq2, ... }; more = 1 when the budget ran out first.
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local out = { 0 }
local taken = 0
while taken < limit do
  local head = redis.call('ZPOPMIN', KEYS[1])
  if #head == 0 then break end
  local seq = head[1]
  local raw = redis.call('HGET', KEYS[3], seq)
  redis.call('HDEL', KEYS[3], seq)
  local reads = redis.call('HGET', KEYS[4], seq)
  if reads then redis.call('HDEL', KEYS[4], seq) end
  local exp = raw and string.match(raw, '^%d+|(%d*)|') or ''
  if exp ~= '' then redis.call('ZREM', KEYS[2], seq) end
  if raw and (exp == '' or tonumber(exp) > now) then
    taken = taken + 1
    out[#out + 1] = seq
    out[#out + 1] = raw
    out[#out + 1] = reads or '0'
  else
    budget = budget - 1
    if budget <= 0 then
      out[1] = 1
      break
    end
  end
end
return out
