-- Changes a queue's settings, creating the queue on first use; returns every setting.
-- KEYS[1] meta  hash {seq, created, policy, status, lease, max_attempts, dead_letter,
--                     delay, ttl, max_length, dedup_window, extra} ('' stands for null)
-- ARGV[1] now (ms), ARGV[2..] field, value pairs to set
-- Returns { 1 when this call created the queue else 0, policy, status, lease,
-- max_attempts, dead_letter, delay, ttl, max_length, dedup_window, extra } (false when never set).
local created = redis.call('HSETNX', KEYS[1], 'created', ARGV[1])
redis.call('HSETNX', KEYS[1], 'seq', 0)
for i = 2, #ARGV - 1, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
local out = { created }
local values = redis.call('HMGET', KEYS[1], 'policy', 'status', 'lease', 'max_attempts', 'dead_letter', 'delay', 'ttl', 'max_length', 'dedup_window', 'extra')
for i = 1, 10 do out[i + 1] = values[i] end
return out
