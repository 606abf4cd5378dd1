-- Records that a queue has due work at `at` unless it is already registered earlier, and
-- counts the change so a maintenance pass running at the same time does not drop it.
-- KEYS[1] due queues  zset  member = queue name, score = earliest known due time (ms)
-- KEYS[2] due touches hash  queue name -> changes since the queue was last removed
-- ARGV[1] queue, ARGV[2] at (ms)
redis.call('ZADD', KEYS[1], 'LT', ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return 1
