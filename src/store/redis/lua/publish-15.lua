-- Guarded publish: stores several independent groups of messages under the queue's stored
-- settings, each group all or nothing. In a group, an entry whose dedup id is remembered
-- (or repeats an earlier entry of the same call) stores nothing and answers the first
-- key; a group that would take the queue past max_length stores nothing at all; ttl and
-- delay left empty take the queue's defaults.
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] now (ms), ARGV[2] number of groups, then per group: its entry count, then per
-- entry 4 values: value, ttl ms ('' = default), delay ms ('' = default), dedup id ('' = none);
-- or, for a group whose entries set none of ttl, delay and dedup id, minus its entry count
-- and then only the values (1 value per entry instead of 4: less for Redis to parse)
-- Returns { created, earliest new due time or '', groups... } where a stored group is
-- { 1, n, seq1..seqn, duplicate1..duplicaten (1/0) } flattened, and a refused one { 0, length }.
-- @include queue
local now = tonumber(ARGV[1])
local groups = tonumber(ARGV[2])
local created = redis.call('HSETNX', K_META, 'created', ARGV[1])
local s = redis.call('HMGET', K_META, 'dedup_window', 'max_length', 'ttl', 'delay')
local window = tonumber(s[1] or DEFAULT_DEDUP_WINDOW) * 1000
local maxLength = s[2] or ''
local ttlDefault = s[3] or ''
local delayDefault = tonumber(s[4] or DEFAULT_DELAY) * 1000
local out = { created, '' }
-- Numbers are given locally and the counter written once, however many groups store.
local first = tonumber(redis.call('HGET', K_META, 'seq') or '0')
local last = first
local earliest = nil
local function dueAt(t)
  if earliest == nil or t < earliest then earliest = t end
end
local firstOf = {}
local pos = 3
local stamp = int(now) .. '||'
-- One `command key a1 b1 a2 b2 ...` per chunk of pairs (unpack has a stack limit).
local function variadic(command, key, args)
  for from = 1, #args, 2000 do
    redis.call(command, key, unpack(args, from, math.min(from + 1999, #args)))
  end
end
for _ = 1, groups do
  local n = tonumber(ARGV[pos])
  pos = pos + 1
  -- Where entry i's fields are: 4 per entry, or only values in a plain group.
  local stride = 4
  if n < 0 then
    n = -n
    stride = 1
  end
  local function field(i, k)
    if stride == 1 then
      if k == 0 then return ARGV[pos + i - 1] end
      return ''
    end
    return ARGV[pos + 4 * (i - 1) + k]
  end
  local seqs, dup, fresh = {}, {}, 0
  local pending = {}
  for i = 1, n do
    local id = field(i, 3)
    dup[i] = 0
    if id ~= '' and window > 0 then
      local earlier = firstOf[id] or pending[id]
      if earlier then
        dup[i] = 1
        seqs[i] = earlier
      else
        local until_ = redis.call('ZSCORE', K_DEDUP_EXP, id)
        if until_ and tonumber(until_) > now then
          dup[i] = 1
          seqs[i] = redis.call('HGET', K_DEDUP, id) or '0'
        else
          pending[id] = true
        end
      end
    end
    if dup[i] == 0 then fresh = fresh + 1 end
  end
  local full = false
  if maxLength ~= '' and fresh > 0 then
    local stored = redis.call('HLEN', K_MSG)
    if stored + fresh > tonumber(maxLength) then
      dropExpired(now, 100000) -- expired messages do not count; reclaim them first
      stored = redis.call('HLEN', K_MSG)
      if stored + fresh > tonumber(maxLength) then
        full = true
        append(out, { 0, stored })
      end
    end
  end
  if not full then
    local msgArgs, readyArgs = {}, {}
    local seq = last
    last = last + fresh
    local keyOf = {}
    for i = 1, n do
      local id = field(i, 3)
      if dup[i] == 0 then
        seq = seq + 1
        local s = int(seq)
        local ttl = field(i, 1)
        if ttl == '' and ttlDefault ~= '' then ttl = tonumber(ttlDefault) * 1000 end
        local expiresAt = ''
        if ttl ~= '' then expiresAt = int(now + tonumber(ttl)) end
        local delay = delayDefault
        local delayArg = field(i, 2)
        if delayArg ~= '' then delay = tonumber(delayArg) end
        local visibleAt = 0
        if delay > 0 then
          visibleAt = now + delay
          dueAt(visibleAt)
        end
        if expiresAt == '' and visibleAt <= now then
          -- The common message (ready, no ttl) joins the group's variadic HSET and ZADD.
          msgArgs[#msgArgs + 1] = s
          msgArgs[#msgArgs + 1] = stamp .. field(i, 0)
          readyArgs[#readyArgs + 1] = s
          readyArgs[#readyArgs + 1] = s
        else
          store(s, now, field(i, 0), expiresAt, visibleAt)
        end
        seqs[i] = s
        if id ~= '' and window > 0 then
          redis.call('HSET', K_DEDUP, id, s)
          redis.call('ZADD', K_DEDUP_EXP, now + window, id)
          dueAt(now + window)
          keyOf[id] = s
          firstOf[id] = s
        end
      end
    end
    variadic('HSET', K_MSG, msgArgs)
    variadic('ZADD', K_READY, readyArgs)
    for i = 1, n do
      local id = field(i, 3)
      if seqs[i] == true then seqs[i] = keyOf[id] end
    end
    local group = { 1, n }
    for i = 1, n do group[#group + 1] = seqs[i] end
    for i = 1, n do group[#group + 1] = dup[i] end
    append(out, group)
  end
  pos = pos + stride * n
end
if last ~= first then redis.call('HSET', K_META, 'seq', int(last)) end
if earliest ~= nil then out[2] = int(earliest) end
return out
