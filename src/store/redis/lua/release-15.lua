-- Ends a current lease early: the message is ready again in its place by key (or delayed
-- until `visibleAt`), or, when it used its last attempt, moves into the outbox bound for
-- the dead-letter queue (move id `<nonce>:<seq>`).
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] seq, ARGV[2] receipt, ARGV[3] visibleAt (ms), ARGV[4] now (ms), ARGV[5] nonce
-- Returns { 'stale' } / { 'expired' } / { 'released', visibleAt } / { 'dead', dlq, move id }.
-- @include queue
local seq = ARGV[1]
local now = tonumber(ARGV[4])
local refusal = checkLease(seq, ARGV[2], now)
if refusal then return { refusal } end
local attempts = attemptCount(redis.call('HGET', K_ATTEMPTS, seq))
local dlq = exhausted(attempts)
if dlq then
  local moveId = ARGV[5] .. ':' .. seq
  moveOut(seq, redis.call('HGET', K_MSG, seq), dlq, int(attempts), QUEUE .. ':' .. seq, moveId)
  return { 'dead', dlq, moveId }
end
local visibleAt = tonumber(ARGV[3])
if visibleAt > now then
  redis.call('HDEL', K_LEASE, seq)
  redis.call('ZADD', K_DUE, visibleAt, seq)
  return { 'released', int(visibleAt) }
end
makeReady(seq)
return { 'released', int(now) }
