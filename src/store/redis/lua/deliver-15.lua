-- Second step of a move between queues (dead-lettering, redrive): appends a message that
-- left another queue to the end of this one, once per move id however often it is
-- retried. The move's record is kept for `keepMs`, longer than any retry can take.
-- KEYS[1..15] the TARGET queue's keys (lib/queue.lua)
-- ARGV[1] now (ms), ARGV[2] move id, ARGV[3] attempts ('' = not a dead letter),
-- ARGV[4] source key ('' = not a dead letter), ARGV[5] value, ARGV[6] keepMs
-- Returns { seq, created (1 when this call created the queue) }.
-- @include queue
local done = redis.call('HGET', K_MOVED, ARGV[2])
if done then return { done, 0 } end
local now = tonumber(ARGV[1])
local created = redis.call('HSETNX', K_META, 'created', ARGV[1])
local seq = int(redis.call('HINCRBY', K_META, 'seq', 1))
store(seq, now, ARGV[5], '', 0)
if ARGV[4] ~= '' then redis.call('HSET', K_DEAD, seq, ARGV[3] .. '|' .. ARGV[4]) end
redis.call('HSET', K_MOVED, ARGV[2], seq)
redis.call('ZADD', K_MOVED_EXP, now + tonumber(ARGV[6]), ARGV[2])
return { seq, created }
