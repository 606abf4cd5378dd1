-- Deletes one message by sequence number; returns 1 when it was there, else 0.
-- KEYS[1] ready  zset  member = seq
-- KEYS[2] exp    zset  member = seq
-- KEYS[3] msg    hash  seq -> raw message
-- KEYS[4] reads  hash  seq -> soft-read count
-- ARGV[1] seq
local seq = ARGV[1]
if redis.call('ZREM', KEYS[1], seq) == 0 then return 0 end
redis.call('ZREM', KEYS[2], seq)
redis.call('HDEL', KEYS[3], seq)
redis.call('HDEL', KEYS[4], seq)
return 1
