-- Moves up to `limit` of the oldest deliverable messages of one queue into its broadcast
-- history in one atomic step, stopping once their values reach `maxBytes` bytes (the
-- oldest always goes), then trims the history by age and count. Expired messages met at
-- the head are deleted on the way (at most `budget` per call) and never enter the history.
-- KEYS[1] ready    zset    member = seq, score = seq
-- KEYS[2] exp      zset    member = seq, score = expiresAt
-- KEYS[3] msg      hash    seq -> "<createdAt>|<expiresAt or empty>|<value>"
-- KEYS[4] reads    hash    seq -> soft-read count
-- KEYS[5] history  stream  id "<streamedAt ms>-<n>", fields s = seq, m = raw message
-- KEYS[6] index    zset    member = history entry id, score = seq
-- ARGV[1] now (ms), ARGV[2] limit, ARGV[3] maxBytes, ARGV[4] budget of expired messages,
-- ARGV[5] history maxMessages, ARGV[6] history maxAgeMs
-- Returns { more, seq1, raw1, reads1, seq2, ... }; more = 1 when the budget ran out first.
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local maxBytes = tonumber(ARGV[3])
local budget = tonumber(ARGV[4])
local maxMessages = tonumber(ARGV[5])
local maxAge = tonumber(ARGV[6])

-- Entry ids carry `now`, raised to the last id's time if a daemon's clock is behind.
local stamp = now
if redis.call('EXISTS', KEYS[5]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[5])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      local lastMs = tonumber(string.match(info[i + 1], '^(%d+)-'))
      if lastMs > stamp then stamp = lastMs end
    end
  end
end
local id = string.format('%d-*', stamp)

local out = { 0 }
local taken = 0
local bytes = 0
while taken < limit do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #head == 0 then break end
  local seq = head[1]
  local raw = redis.call('HGET', KEYS[3], seq)
  local prefix = raw and string.match(raw, '^%d+|%d*|') or ''
  local exp = raw and string.match(raw, '^%d+|(%d*)|') or ''
  local live = raw and (exp == '' or tonumber(exp) > now)
  if live and taken > 0 and bytes >= maxBytes then break end
  redis.call('ZREM', KEYS[1], seq)
  redis.call('HDEL', KEYS[3], seq)
  local reads = redis.call('HGET', KEYS[4], seq)
  if reads then redis.call('HDEL', KEYS[4], seq) end
  if exp ~= '' then redis.call('ZREM', KEYS[2], seq) end
  if live then
    taken = taken + 1
    bytes = bytes + #raw - #prefix
    local entry = redis.call('XADD', KEYS[5], id, 's', seq, 'm', raw)
    redis.call('ZADD', KEYS[6], seq, entry)
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

if taken > 0 then
  -- By age: entries streamed at or before now - maxAge go.
  local minId = string.format('%d-0', now - maxAge + 1)
  local old = redis.call('XRANGE', KEYS[5], '-', '(' .. minId)
  for _, e in ipairs(old) do redis.call('ZREM', KEYS[6], e[1]) end
  if #old > 0 then redis.call('XTRIM', KEYS[5], 'MINID', minId) end
  -- By count: the oldest beyond the newest maxMessages go.
  local excess = redis.call('XLEN', KEYS[5]) - maxMessages
  if excess > 0 then
    local over = redis.call('XRANGE', KEYS[5], '-', '+', 'COUNT', excess)
    for _, e in ipairs(over) do redis.call('ZREM', KEYS[6], e[1]) end
    redis.call('XTRIM', KEYS[5], 'MAXLEN', maxMessages)
  end
end
return out
