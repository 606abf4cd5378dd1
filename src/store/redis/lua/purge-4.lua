-- Deletes every message of one queue (the numbering in meta is kept); returns how many.
-- UNLINK frees the memory in the background, so a large purge does not block Redis.
-- KEYS[1] ready  zset  member = seq
-- KEYS[2] exp    zset  member = seq
-- KEYS[3] msg    hash  seq -> raw message
-- KEYS[4] reads  hash  seq -> soft-read count
-- ARGV: none
local n = redis.call('ZCARD', KEYS[1])
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return n
