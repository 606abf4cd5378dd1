-- Moves one queue's settings and counter from the original RestMQ layout into ours.
-- The counter is merged (the larger wins) and kept, so an original daemon still running
-- keeps numbering after it; status and policy are moved (deleted from the original layout)
-- so a re-run never undoes a change made since through RestMQ.
-- KEYS[1] original counter `<q>:UUID` (INCR)
-- KEYS[2] original status `queuestat::<q>` (1 started, 0 stopped)
-- KEYS[3] original policy `<q>:queuepolicy` (1 broadcast, 2 roundrobin)
-- KEYS[4] meta  hash {seq, created, policy, status}
-- ARGV[1] now (ms)
-- Returns { counter, status moved or '', policy moved or '' }.
redis.call('HSETNX', KEYS[4], 'created', ARGV[1])
local counter = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local last = tonumber(redis.call('HGET', KEYS[4], 'seq') or '0') or 0
if counter > last then
  redis.call('HSET', KEYS[4], 'seq', string.format('%d', counter))
else
  redis.call('HSETNX', KEYS[4], 'seq', 0)
end
local status = redis.call('GET', KEYS[2])
local movedStatus = ''
if status == '1' then movedStatus = 'started' elseif status == '0' then movedStatus = 'stopped' end
if movedStatus ~= '' then redis.call('HSET', KEYS[4], 'status', movedStatus) end
local policy = redis.call('GET', KEYS[3])
local movedPolicy = ''
if policy == '1' then movedPolicy = 'broadcast' elseif policy == '2' then movedPolicy = 'roundrobin' end
if movedPolicy ~= '' then redis.call('HSET', KEYS[4], 'policy', movedPolicy) end
redis.call('DEL', KEYS[2], KEYS[3])
return { counter, movedStatus, movedPolicy }
