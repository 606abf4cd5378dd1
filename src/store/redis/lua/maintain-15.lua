-- The maintenance pass over one queue: settles due work, forgets expired dedup ids and
-- move records, and answers when the queue next needs a pass.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] now (ms), ARGV[2] limit per kind of work, ARGV[3] nonce for move ids
-- Returns { moved, next due time ('' when none), expired, leaseDead }; a queue with moves
-- still in its outbox is due now; expired and leaseDead are the tallies this call collected.
-- @include queue
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local moved = settle(now, limit, ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', K_DEDUP_EXP, '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(ids) do
  redis.call('HDEL', K_DEDUP, id)
  redis.call('ZREM', K_DEDUP_EXP, id)
end
ids = redis.call('ZRANGEBYSCORE', K_MOVED_EXP, '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(ids) do
  redis.call('HDEL', K_MOVED, id)
  redis.call('ZREM', K_MOVED_EXP, id)
end
local tallies = collectTallies()
if redis.call('HLEN', K_OUTBOX) > 0 then return { moved, int(now), tallies[1], tallies[2] } end
local nextAt = nil
for _, key in ipairs({ K_DUE, K_DEDUP_EXP, K_MOVED_EXP }) do
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #first > 0 and (nextAt == nil or tonumber(first[2]) < nextAt) then nextAt = tonumber(first[2]) end
end
if nextAt == nil then return { moved, '', tallies[1], tallies[2] } end
return { moved, int(nextAt), tallies[1], tallies[2] }
