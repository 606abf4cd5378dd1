-- Deletes every message of one queue, of every state (the numbering in meta and the dedup
-- memory are kept); returns how many. UNLINK frees the memory in the background.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV: none
-- @include queue
local n = redis.call('HLEN', K_MSG)
redis.call('UNLINK', K_READY, K_EXP, K_MSG, K_READS, K_DUE, K_HELD, K_LEASE, K_ATTEMPTS, K_DEAD)
return n
