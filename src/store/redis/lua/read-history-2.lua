-- Reads the broadcast history of one queue after a sequence number, oldest key first,
-- after trimming what the retention no longer keeps (so a read never returns it).
-- KEYS[1] history  stream  id "<streamedAt ms>-<n>", fields s = seq, m = raw message
-- KEYS[2] index    zset    member = history entry id, score = seq
-- ARGV[1] now (ms), ARGV[2] afterSeq, ARGV[3] limit, ARGV[4] maxMessages, ARGV[5] maxAgeMs
-- Returns { seq1, raw1, seq2, raw2, ... } without messages past their expiry.
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[3])
local maxMessages = tonumber(ARGV[4])
local maxAge = tonumber(ARGV[5])

local minId = string.format('%d-0', now - maxAge + 1)
local old = redis.call('XRANGE', KEYS[1], '-', '(' .. minId)
for _, e in ipairs(old) do redis.call('ZREM', KEYS[2], e[1]) end
if #old > 0 then redis.call('XTRIM', KEYS[1], 'MINID', minId) end
local excess = redis.call('XLEN', KEYS[1]) - maxMessages
if excess > 0 then
  local over = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess)
  for _, e in ipairs(over) do redis.call('ZREM', KEYS[2], e[1]) end
  redis.call('XTRIM', KEYS[1], 'MAXLEN', maxMessages)
end

-- Pages through the index by seq (each page starts after the last seq seen), skipping
-- expired entries, until `limit` are found.
local out = {}
local found = 0
local after = ARGV[2]
while found < limit do
  local page = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. after, '+inf', 'WITHSCORES', 'LIMIT', 0, limit - found)
  if #page == 0 then break end
  after = page[#page]
  for p = 1, #page, 2 do
    local id = page[p]
    local entry = redis.call('XRANGE', KEYS[1], id, id)
    if #entry == 1 then
      local fields = entry[1][2]
      local seq, raw = fields[2], fields[4]
      local exp = string.match(raw, '^%d+|(%d*)|') or ''
      if exp == '' or tonumber(exp) > now then
        found = found + 1
        out[#out + 1] = seq
        out[#out + 1] = raw
      end
    end
  end
end
return out
