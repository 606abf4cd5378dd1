-- Moves the end of a current lease to `leaseUntil`.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] seq, ARGV[2] receipt, ARGV[3] leaseUntil (ms), ARGV[4] now (ms)
-- Returns 'extended', 'stale' or 'expired'.
-- @include queue
local refusal = checkLease(ARGV[1], ARGV[2], tonumber(ARGV[4]))
if refusal then return refusal end
redis.call('ZADD', K_DUE, ARGV[3], ARGV[1])
return 'extended'
