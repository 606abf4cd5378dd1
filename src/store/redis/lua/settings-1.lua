-- Changes a queue's settings, creating the queue on first use; returns { policy, status }.
-- KEYS[1] meta  hash {seq, created, policy, status}
-- ARGV[1] now (ms), ARGV[2] policy or '' to keep, ARGV[3] status or '' to keep
redis.call('HSETNX', KEYS[1], 'created', ARGV[1])
redis.call('HSETNX', KEYS[1], 'seq', 0)
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'policy', ARGV[2]) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'status', ARGV[3]) end
return redis.call('HMGET', KEYS[1], 'policy', 'status')
