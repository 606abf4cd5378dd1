-- Deletes a queue entirely: messages of every state, settings and numbering (meta), dedup
-- memory, moves still in its outbox, its record of delivered moves and its broadcast
-- history, in one atomic step. Returns how many messages went.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- KEYS[16] history stream, KEYS[17] history index (streams.ts)
-- ARGV: none
-- @include queue
local n = redis.call('HLEN', K_MSG)
redis.call('UNLINK', unpack(KEYS))
return n
