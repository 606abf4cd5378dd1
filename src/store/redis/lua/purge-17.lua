-- Deletes every message of one queue, of every state, and its broadcast history in one
-- atomic step (the numbering in meta and the dedup memory are kept); returns how many
-- messages. UNLINK frees the memory in the background. Dropping the history stream also
-- resets its last id, which is why tailing daemons reset their positions on purge.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- KEYS[16] history stream, KEYS[17] history index (streams.ts)
-- ARGV: none
-- @include queue
local n = redis.call('HLEN', K_MSG)
redis.call('UNLINK', K_READY, K_EXP, K_MSG, K_READS, K_DUE, K_HELD, K_LEASE, K_ATTEMPTS, K_DEAD, KEYS[16], KEYS[17])
return n
