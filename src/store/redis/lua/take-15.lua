-- Removes and returns up to `limit` of the oldest ready messages, oldest first, after
-- settling the queue's due work. Expired messages met at the head are deleted on the way
-- (at most `budget` per call).
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] now (ms), ARGV[2] limit, ARGV[3] budget of expired messages and due work,
-- ARGV[4] nonce for move ids, ARGV[5] (optional) most value bytes to take ('' = no bound),
-- ARGV[6] '1' when the first message goes whatever its size (see byteBudget)
-- Returns { more, moved, <7 fields per message (describe)>... }: more = 1 when the budget
-- ran out first; moved = moves waiting in the outbox (dead letters to deliver).
-- @include queue
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local out = { 0, settle(now, budget, ARGV[4]) }
local function take(seq, raw)
  append(out, takeReady(seq, raw))
end
if popReady(now, limit, budget, take, byteBudget(ARGV[5], ARGV[6] == '1')) then out[1] = 1 end
return out
