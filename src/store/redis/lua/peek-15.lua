-- Up to `limit` of the oldest unexpired messages in any state, oldest first, after
-- settling due work; walks `ready` and `held` (both scored by seq) side by side, so it
-- costs O(limit · log n). Expired messages met are deleted (at most `budget`).
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] now (ms), ARGV[2] limit, ARGV[3] budget, ARGV[4] nonce for move ids, ARGV[5]
-- (optional) most value bytes to answer ('' = no bound; the oldest always goes)
-- Returns { moved, <7 fields per message (describe)>... }.
-- @include queue
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local out = { settle(now, budget, ARGV[4]) }
local fits = byteBudget(ARGV[5], true)
local after = '-inf'
local found = 0
while found < limit and budget > 0 do
  local a = redis.call('ZRANGEBYSCORE', K_READY, after, '+inf', 'LIMIT', 0, 1)
  local b = redis.call('ZRANGEBYSCORE', K_HELD, after, '+inf', 'LIMIT', 0, 1)
  local seq = nil
  if #a > 0 then seq = a[1] end
  if #b > 0 and (seq == nil or tonumber(b[1]) < tonumber(seq)) then seq = b[1] end
  if seq == nil then break end
  after = '(' .. seq
  local raw = redis.call('HGET', K_MSG, seq)
  if raw and not isExpired(raw, now) then
    if fits and not fits(raw) then break end
    append(out, describe(seq, raw))
    found = found + 1
  else
    forget(seq)
    budget = budget - 1
  end
end
return out
