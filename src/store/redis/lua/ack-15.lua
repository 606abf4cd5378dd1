-- Deletes a leased message if `receipt` names its current, unexpired lease.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] seq, ARGV[2] receipt, ARGV[3] now (ms)
-- Returns 'acked', 'stale' or 'expired'.
-- @include queue
local refusal = checkLease(ARGV[1], ARGV[2], tonumber(ARGV[3]))
if refusal then return refusal end
forget(ARGV[1])
return 'acked'
