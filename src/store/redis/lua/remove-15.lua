-- Deletes one message (any state) by sequence number; returns 1 when it was there, else 0.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] seq
-- @include queue
local seq = ARGV[1]
if redis.call('HEXISTS', K_MSG, seq) == 0 then return 0 end
forget(seq)
return 1
