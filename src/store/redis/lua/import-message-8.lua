-- Moves one message of the original RestMQ layout into ours, keeping its number.
-- Safe to re-run: the original entry is removed in the same step, and a number already
-- taken in our layout is left alone in the original layout and reported (-2).
-- KEYS[1] original list `<q>:queue` of message keys
-- KEYS[2] original value `<q>:<n>` (a string, maybe with a ttl)
-- KEYS[3] original soft-read counter `<q>:<n>:refcount`
-- KEYS[4] meta   hash  {seq, created, policy, status}
-- KEYS[5] ready  zset  member = seq, score = seq
-- KEYS[6] exp    zset  member = seq, score = expiresAt
-- KEYS[7] msg    hash  seq -> "<createdAt>|<expiresAt or empty>|<value>"
-- KEYS[8] reads  hash  seq -> soft-read count
-- ARGV[1] the original message key `<q>:<n>` as the list holds it
-- ARGV[2] n, ARGV[3] now (ms)
-- Returns 1 moved, 0 skipped (the value had expired), -1 already gone, -2 number taken.
local seq = ARGV[2]
if redis.call('ZSCORE', KEYS[5], seq) or redis.call('HEXISTS', KEYS[7], seq) == 1 then return -2 end
if redis.call('LREM', KEYS[1], -1, ARGV[1]) == 0 then return -1 end
local value = redis.call('GET', KEYS[2])
local refs = redis.call('GET', KEYS[3])
local pttl = redis.call('PTTL', KEYS[2])
redis.call('DEL', KEYS[2], KEYS[3])
if not value then return 0 end
local exp = ''
if pttl > 0 then exp = string.format('%d', tonumber(ARGV[3]) + pttl) end
redis.call('HSETNX', KEYS[4], 'created', ARGV[3])
local last = tonumber(redis.call('HGET', KEYS[4], 'seq') or '0') or 0
if tonumber(seq) > last then redis.call('HSET', KEYS[4], 'seq', seq) end
redis.call('HSET', KEYS[7], seq, ARGV[3] .. '|' .. exp .. '|' .. value)
redis.call('ZADD', KEYS[5], seq, seq)
if exp ~= '' then redis.call('ZADD', KEYS[6], exp, seq) end
if refs and tonumber(refs) and tonumber(refs) > 0 then redis.call('HSET', KEYS[8], seq, string.format('%d', tonumber(refs))) end
return 1
