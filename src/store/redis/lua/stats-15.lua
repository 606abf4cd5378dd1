-- Stats of one queue after deleting its expired messages (at most `budget` per call).
-- Length counts messages of every state; the oldest is the lowest seq of any state.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] now (ms), ARGV[2] budget of expired messages to drop
-- Returns {} when the queue does not exist, else
-- { more, seq, created, policy, status, length, oldestSeq, oldestCreated, ready, leased, held, dead,
-- expired, leaseDead } ('' when empty); held counts delayed and leased messages together, dead
-- the dead letters; expired and leaseDead are the tallies this call collected (lib/queue.lua).
-- @include queue
if redis.call('EXISTS', K_META) == 0 then return {} end
local more = 0
if dropExpired(tonumber(ARGV[1]), tonumber(ARGV[2])) then more = 1 end
local tallies = collectTallies()
local meta = redis.call('HMGET', K_META, 'seq', 'created', 'policy', 'status')
local oldestSeq, oldestCreated = '', ''
local a = redis.call('ZRANGE', K_READY, 0, 0)
local b = redis.call('ZRANGE', K_HELD, 0, 0)
if #a > 0 then oldestSeq = a[1] end
if #b > 0 and (oldestSeq == '' or tonumber(b[1]) < tonumber(oldestSeq)) then oldestSeq = b[1] end
if oldestSeq ~= '' then
  local raw = redis.call('HGET', K_MSG, oldestSeq)
  oldestCreated = raw and string.match(raw, '^(%d+)|') or ''
end
return { more, meta[1] or '0', meta[2] or '', meta[3] or '', meta[4] or '', redis.call('HLEN', K_MSG), oldestSeq, oldestCreated,
  redis.call('ZCARD', K_READY), redis.call('HLEN', K_LEASE), redis.call('ZCARD', K_HELD), redis.call('HLEN', K_DEAD), tallies[1], tallies[2] }
