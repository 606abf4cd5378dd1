-- Returns the oldest ready message without removing it and counts the read, after
-- settling the queue's due work. Expired messages met at the head are deleted on the way
-- (at most `budget` per call).
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] now (ms), ARGV[2] budget, ARGV[3] nonce for move ids
-- Returns { more, moved } when nothing is ready, else { 0, moved, <7 fields (describe)> };
-- more = 1 when the budget ran out before a ready message was found.
-- @include queue
local now = tonumber(ARGV[1])
local budget = tonumber(ARGV[2])
local moved = settle(now, budget, ARGV[3])
while true do
  local head = redis.call('ZRANGE', K_READY, 0, 0)
  if #head == 0 then return { 0, moved } end
  local seq = head[1]
  local raw = redis.call('HGET', K_MSG, seq)
  if raw and not isExpired(raw, now) then
    redis.call('HINCRBY', K_READS, seq, 1)
    local out = { 0, moved }
    append(out, describe(seq, raw))
    return out
  end
  forget(seq)
  budget = budget - 1
  if budget <= 0 then return { 1, moved } end
end
