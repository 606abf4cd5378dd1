-- Updates one queue's entry in the registry of queues with due work, unless another
-- daemon changed it since the maintenance pass read it (then that change stands).
-- KEYS[1] due-queues zset  member = queue name, score = earliest known due time (ms)
-- ARGV[1] queue, ARGV[2] the score the pass read, ARGV[3] the new score ('' = remove)
-- Returns 1 when updated, 0 when left alone.
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not current or tonumber(current) ~= tonumber(ARGV[2]) then return 0 end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 1
