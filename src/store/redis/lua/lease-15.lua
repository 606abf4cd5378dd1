-- Leases up to n of the oldest ready messages, after settling the queue's due work: each
-- leaves `ready`, becomes due at the lease end (due, held), records its receipt and counts
-- one more attempt. Expired messages met at the head are deleted on the way.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] now (ms), ARGV[2] lease ms ('' = the queue's lease setting), ARGV[3] budget,
-- ARGV[4] nonce for move ids, ARGV[5] most value bytes to lease ('' = no bound), ARGV[6]
-- '1' when the first message goes whatever its size (see byteBudget), ARGV[7..] one
-- receipt per message wanted
-- Returns { more, moved, leaseUntil, <7 fields per message (describe)>... }.
-- @include queue
local now = tonumber(ARGV[1])
local budget = tonumber(ARGV[3])
local leaseMs = ARGV[2]
if leaseMs == '' then leaseMs = tonumber(setting('lease', DEFAULT_LEASE)) * 1000 else leaseMs = tonumber(leaseMs) end
local leaseUntil = now + leaseMs
local out = { 0, settle(now, budget, ARGV[4]), int(leaseUntil) }
local i = 7
local function lease(seq, raw)
  redis.call('ZADD', K_HELD, seq, seq)
  redis.call('ZADD', K_DUE, leaseUntil, seq)
  redis.call('HSET', K_LEASE, seq, ARGV[i])
  -- "<count>|<first lease time>": the time stays what the first lease set.
  local entry = redis.call('HGET', K_ATTEMPTS, seq)
  if entry then
    local count, first = string.match(entry, '^(%d+)|?(%d*)$')
    if first == '' then first = int(now) end
    redis.call('HSET', K_ATTEMPTS, seq, int(tonumber(count) + 1) .. '|' .. first)
  else
    redis.call('HSET', K_ATTEMPTS, seq, '1|' .. int(now))
  end
  append(out, describe(seq, raw))
  i = i + 1
end
if popReady(now, #ARGV - 6, budget, lease, byteBudget(ARGV[5], ARGV[6] == '1')) then out[1] = 1 end
return out
