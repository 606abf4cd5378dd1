-- After a maintenance pass over one queue: sets its entry in the registry of queues with
-- due work to `next` (or removes it), unless a daemon registered new due work since the
-- pass read the entry; then only an earlier `next` is taken.
-- KEYS[1] due queues  zset  member = queue name, score = earliest known due time (ms)
-- KEYS[2] due touches hash  queue name -> changes since the queue was last removed
-- ARGV[1] queue, ARGV[2] the touch count the pass read ('' = none), ARGV[3] next ('' = none)
-- Returns 1 when the pass's view was current, 0 when newer work was kept.
local touched = redis.call('HGET', KEYS[2], ARGV[1]) or ''
if touched ~= ARGV[2] then
  if ARGV[3] ~= '' then redis.call('ZADD', KEYS[1], 'LT', ARGV[3], ARGV[1]) end
  return 0
end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 1
