-- Moves up to `limit` of the oldest ready dead letters of this queue (messages with a
-- dead-letter origin) into the outbox, each bound for the end of its source queue with
-- attempts reset (move id `<nonce>:<seq>`), after settling due work. Messages without an
-- origin, or with one this store did not write, stay; at most `budget` are looked at.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] now (ms), ARGV[2] limit, ARGV[3] budget, ARGV[4] nonce for move ids
-- Returns { moved by settle, seq1, move id1, target1, seq2, ... }.
-- @include queue
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local out = { settle(now, budget, ARGV[4]) }
local found = 0
local heads = redis.call('ZRANGE', K_READY, 0, budget - 1)
for _, seq in ipairs(heads) do
  if found >= limit then break end
  local origin = redis.call('HGET', K_DEAD, seq)
  local raw = redis.call('HGET', K_MSG, seq)
  if not raw or isExpired(raw, now) then
    if raw then tally('n_expired', 1) end
    forget(seq)
  elseif origin then
    local source = string.match(origin, '^%d+|(.*):%d+$')
    if source and source ~= '' and not string.find(source, '|', 1, true) then
      local moveId = ARGV[4] .. ':' .. seq
      moveOut(seq, raw, source, '', '', moveId)
      append(out, { seq, moveId, source })
      found = found + 1
    end
  end
end
return out
