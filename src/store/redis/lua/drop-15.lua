-- Deletes a queue entirely: messages of every state, settings and numbering (meta), dedup
-- memory, moves still in its outbox and its record of delivered moves. Returns how many
-- messages went.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV: none
-- @include queue
local n = redis.call('HLEN', K_MSG)
redis.call('UNLINK', unpack(KEYS))
return n
