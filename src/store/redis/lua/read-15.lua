-- One unexpired message by sequence number, in any state, after settling due work.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] seq, ARGV[2] now (ms), ARGV[3] budget, ARGV[4] nonce for move ids
-- Returns { moved } when absent, else { moved, <7 fields (describe)> }.
-- @include queue
local now = tonumber(ARGV[2])
local out = { settle(now, tonumber(ARGV[3]), ARGV[4]) }
local raw = redis.call('HGET', K_MSG, ARGV[1])
if raw and not isExpired(raw, now) then append(out, describe(ARGV[1], raw)) end
return out
