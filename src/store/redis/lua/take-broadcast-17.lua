-- Moves up to `limit` of the oldest ready messages of one queue into its broadcast history
-- in one atomic step, after settling the queue's due work, stopping once their values
-- reach `maxBytes` bytes (the oldest always goes), then trims the history by age and
-- count. Expired messages met at the head are deleted on the way (at most `budget` per
-- call) and never enter the history.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- KEYS[16] history  stream  id "<streamedAt ms>-<n>", fields s = seq, m = raw message
-- KEYS[17] index    zset    member = history entry id, score = seq
-- ARGV[1] now (ms), ARGV[2] limit, ARGV[3] maxBytes, ARGV[4] budget of expired messages
-- and due work, ARGV[5] history maxMessages, ARGV[6] history maxAgeMs, ARGV[7] nonce for
-- move ids
-- Returns { more, moved, seq1, raw1, reads1, seq2, ... }: more = 1 when the budget ran out
-- first; moved = moves waiting in the outbox (dead letters to deliver).
-- @include queue
local K_HISTORY, K_INDEX = KEYS[16], KEYS[17]
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local maxBytes = tonumber(ARGV[3])
local budget = tonumber(ARGV[4])
local maxMessages = tonumber(ARGV[5])
local maxAge = tonumber(ARGV[6])

-- Entry ids carry `now`, raised to the last id's time if a daemon's clock is behind.
local stamp = now
if redis.call('EXISTS', K_HISTORY) == 1 then
  local info = redis.call('XINFO', 'STREAM', K_HISTORY)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      local lastMs = tonumber(string.match(info[i + 1], '^(%d+)-'))
      if lastMs > stamp then stamp = lastMs end
    end
  end
end
local id = string.format('%d-*', stamp)

local out = { 0, settle(now, budget, ARGV[7]) }
local taken = 0
local bytes = 0
-- The oldest always goes; later ones only while the values taken stay under maxBytes.
local function fits()
  return taken == 0 or bytes < maxBytes
end
local function stream(seq, raw)
  local row = takeReady(seq, raw)
  taken = taken + 1
  bytes = bytes + #raw - #string.match(raw, '^%d+|%d*|')
  local entry = redis.call('XADD', K_HISTORY, id, 's', seq, 'm', raw)
  redis.call('ZADD', K_INDEX, seq, entry)
  out[#out + 1] = seq
  out[#out + 1] = raw
  out[#out + 1] = row[3]
end
if popReady(now, limit, budget, stream, fits) then out[1] = 1 end

if taken > 0 then
  -- By age: entries streamed at or before now - maxAge go.
  local minId = string.format('%d-0', now - maxAge + 1)
  local old = redis.call('XRANGE', K_HISTORY, '-', '(' .. minId)
  for _, e in ipairs(old) do redis.call('ZREM', K_INDEX, e[1]) end
  if #old > 0 then redis.call('XTRIM', K_HISTORY, 'MINID', minId) end
  -- By count: the oldest beyond the newest maxMessages go.
  local excess = redis.call('XLEN', K_HISTORY) - maxMessages
  if excess > 0 then
    local over = redis.call('XRANGE', K_HISTORY, '-', '+', 'COUNT', excess)
    for _, e in ipairs(over) do redis.call('ZREM', K_INDEX, e[1]) end
    redis.call('XTRIM', K_HISTORY, 'MAXLEN', maxMessages)
  end
end
return out
