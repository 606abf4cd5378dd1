-- Shared helpers of the queue scripts. scripts.ts puts this file, after the DEFAULT_*
-- constants it derives from DEFAULT_QUEUE_SETTINGS, in place of the line
-- `-- @include queue` of each script that asks for it, so the rules live in one place.
--
-- Every including script takes the 15 keys of one queue (keys.ts), in this order:
-- KEYS[1]  meta      hash  seq, created, policy, status, lease, max_attempts, dead_letter,
--                          delay, ttl, max_length, dedup_window ('' stands for null)
-- KEYS[2]  ready     zset  READY messages only: member = seq, score = seq (FIFO order)
-- KEYS[3]  exp       zset  messages with a ttl (any state): member = seq, score = expiresAt
-- KEYS[4]  msg       hash  seq -> "<createdAt>|<expiresAt or empty>|<value>" (every message)
-- KEYS[5]  reads     hash  seq -> soft-read count
-- KEYS[6]  due       zset  delayed and leased messages: member = seq, score = visible/lease end
-- KEYS[7]  held      zset  the same messages: member = seq, score = seq
-- KEYS[8]  lease     hash  seq -> receipt of the current lease
-- KEYS[9]  attempts  hash  seq -> "<leases taken>|<first lease time, ms>" (older stores: the count alone)
-- KEYS[10] dead      hash  seq -> "<attempts>|<source key>" (dead letters)
-- KEYS[11] dlq-out   hash  move id -> "<target>|<attempts or empty>|<source key or empty>|<value>"
-- KEYS[12] moved     hash  move id -> seq (moves delivered INTO this queue)
-- KEYS[13] moved-exp zset  move id -> when its `moved` entry may be forgotten
-- KEYS[14] dedup     hash  dedup id -> seq
-- KEYS[15] dedup-exp zset  dedup id -> when it is forgotten
local K_META, K_READY, K_EXP, K_MSG, K_READS = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local K_DUE, K_HELD, K_LEASE, K_ATTEMPTS, K_DEAD = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local K_OUTBOX, K_MOVED, K_MOVED_EXP, K_DEDUP, K_DEDUP_EXP = KEYS[11], KEYS[12], KEYS[13], KEYS[14], KEYS[15]

-- The queue's own name, from the hash tag of its meta key (names and prefixes hold no braces).
local QUEUE = string.match(K_META, '{([^{}]*)}:meta$')

local function int(n)
  return string.format('%d', n)
end

-- A setting from meta, or `default` when the queue never set it; '' stands for null.
local function setting(field, default)
  local v = redis.call('HGET', K_META, field)
  if v == false then return default end
  return v
end

-- The expiry part of a raw message ('' when it has none).
local function expiryOf(raw)
  return string.match(raw, '^%d+|(%d*)|')
end

-- The lease count of an attempts entry ("<count>|<first lease time>", or a bare count).
local function attemptCount(entry)
  if not entry then return 0 end
  return tonumber(string.match(entry, '^(%d+)'))
end

local function isExpired(raw, now)
  local exp = expiryOf(raw)
  return exp ~= '' and tonumber(exp) <= now
end

-- Deletes one message and every per-message entry about it.
local function forget(seq)
  redis.call('HDEL', K_MSG, seq)
  redis.call('ZREM', K_READY, seq)
  redis.call('ZREM', K_EXP, seq)
  redis.call('ZREM', K_DUE, seq)
  redis.call('ZREM', K_HELD, seq)
  redis.call('HDEL', K_READS, seq)
  redis.call('HDEL', K_LEASE, seq)
  redis.call('HDEL', K_ATTEMPTS, seq)
  redis.call('HDEL', K_DEAD, seq)
end

-- Makes a delayed or leased message ready again, in its place by key.
local function makeReady(seq)
  redis.call('ZREM', K_DUE, seq)
  redis.call('ZREM', K_HELD, seq)
  redis.call('HDEL', K_LEASE, seq)
  redis.call('ZADD', K_READY, seq, seq)
end

-- The dead-letter queue: the configured one, else `<queue>.dlq` (name cut to fit 128).
local function deadLetterQueue()
  local configured = setting('dead_letter', '')
  if configured ~= '' then return configured end
  return string.sub(QUEUE, 1, 124) .. '.dlq'
end

-- The dead-letter queue when a message with `attempts` leases has used its last one, else nil.
local function exhausted(attempts)
  local maxAttempts = tonumber(setting('max_attempts', DEFAULT_MAX_ATTEMPTS))
  if maxAttempts > 0 and attempts >= maxAttempts then return deadLetterQueue() end
  return nil
end

-- Tallies of what scripts did on their own (messages dropped because their ttl passed,
-- last leases that expired into the dead-letter queue), kept in the meta hash until a
-- stats or maintenance call collects them for the collecting daemon's counters.
local function tally(field, n)
  if n > 0 and redis.call('EXISTS', K_META) == 1 then redis.call('HINCRBY', K_META, field, n) end
end

-- Reads and clears the tallies: { expired, lease dead letters }.
local function collectTallies()
  local t = redis.call('HMGET', K_META, 'n_expired', 'n_lease_dead')
  if t[1] or t[2] then redis.call('HDEL', K_META, 'n_expired', 'n_lease_dead') end
  return { tonumber(t[1] or '0'), tonumber(t[2] or '0') }
end

-- Moves one message out of this queue into the outbox, bound for `target`; the daemon
-- then delivers it there (deliver-15.lua) and deletes the outbox entry.
local function moveOut(seq, raw, target, attempts, source, moveId)
  local value = string.match(raw, '^%d+|%d*|(.*)$')
  redis.call('HSET', K_OUTBOX, moveId, target .. '|' .. attempts .. '|' .. source .. '|' .. value)
  forget(seq)
end

-- Settles up to `limit` due messages: delays that came due become ready, expired leases
-- make their message ready again in its place, or move it toward the dead-letter queue
-- when it used its last attempt (move id `<nonce>:<seq>`). Expired messages are deleted.
-- Returns how many moves wait in the outbox afterwards (this call's and any left over by
-- a daemon that stopped between the two steps of a move), so the caller delivers them.
local function settle(now, limit, nonce)
  local dueSeqs = redis.call('ZRANGEBYSCORE', K_DUE, '-inf', now, 'LIMIT', 0, limit)
  local expired, dead = 0, 0
  for _, seq in ipairs(dueSeqs) do
    local raw = redis.call('HGET', K_MSG, seq)
    if not raw or isExpired(raw, now) then
      if raw then expired = expired + 1 end
      forget(seq)
    else
      local dlq = nil
      if redis.call('HEXISTS', K_LEASE, seq) == 1 then
        dlq = exhausted(attemptCount(redis.call('HGET', K_ATTEMPTS, seq)))
      end
      if dlq then
        local attempts = int(attemptCount(redis.call('HGET', K_ATTEMPTS, seq)))
        moveOut(seq, raw, dlq, attempts, QUEUE .. ':' .. seq, nonce .. ':' .. seq)
        dead = dead + 1
      else
        makeReady(seq)
      end
    end
  end
  tally('n_expired', expired)
  tally('n_lease_dead', dead)
  return redis.call('HLEN', K_OUTBOX)
end

-- One message as scripts return it: seq, raw, reads, attempts, visibleAt (0 when ready),
-- state ('ready', 'delayed', 'leased'), dead-letter origin ('' or "<attempts>|<source>").
local function describe(seq, raw)
  local at = redis.call('ZSCORE', K_DUE, seq)
  local state, visibleAt = 'ready', '0'
  if at then
    visibleAt = at
    if redis.call('HEXISTS', K_LEASE, seq) == 1 then state = 'leased' else state = 'delayed' end
  end
  return { seq, raw, redis.call('HGET', K_READS, seq) or '0', redis.call('HGET', K_ATTEMPTS, seq) or '0', visibleAt, state, redis.call('HGET', K_DEAD, seq) or '' }
end

-- Which of the reads, attempts and dead hashes exist (Redis drops an empty hash), asked
-- once per script call by takeReady: most queues have none, and then a pop reads nothing
-- but the message. Taking only deletes entries, so the answer stays safe for the call.
local sideHashes = nil

-- Removes a message just popped from `ready` and answers it as `describe` does. A ready
-- message has no due, held or lease entry, so only the entries it may have are touched.
local function takeReady(seq, raw)
  if sideHashes == nil then
    sideHashes = { reads = false, attempts = false, dead = false }
    if redis.call('EXISTS', K_READS, K_ATTEMPTS, K_DEAD) > 0 then
      sideHashes = { reads = redis.call('EXISTS', K_READS) == 1, attempts = redis.call('EXISTS', K_ATTEMPTS) == 1, dead = redis.call('EXISTS', K_DEAD) == 1 }
    end
  end
  local reads, attempts, dead = false, false, false
  if sideHashes.reads then
    reads = redis.call('HGET', K_READS, seq)
    if reads then redis.call('HDEL', K_READS, seq) end
  end
  if sideHashes.attempts then
    attempts = redis.call('HGET', K_ATTEMPTS, seq)
    if attempts then redis.call('HDEL', K_ATTEMPTS, seq) end
  end
  if sideHashes.dead then
    dead = redis.call('HGET', K_DEAD, seq)
    if dead then redis.call('HDEL', K_DEAD, seq) end
  end
  if expiryOf(raw) ~= '' then redis.call('ZREM', K_EXP, seq) end
  redis.call('HDEL', K_MSG, seq)
  return { seq, raw, reads or '0', attempts or '0', '0', 'ready', dead or '' }
end

-- Message groups (store/contract.ts, core/stored-value.ts): a value starting with the
-- bytes NUL 'G' then `<length>:<group>` belongs to that group. Ungrouped messages may
-- always go, so popReady looks for busy groups only once it meets a grouped message: a
-- queue without groups costs no Redis command more than before.

-- The group of a raw message, or nil. The length counts UTF-16 units (stored-value.ts);
-- this reads that many bytes, the same for the ASCII group ids SQS allows. For any other
-- group it reads a prefix of the same bytes for every member, so a group is never split,
-- at worst joined with another of the same prefix (stricter order, never looser).
local function groupOf(raw)
  local at = string.match(raw, '^%d+|%d*|()')
  if string.byte(raw, at) ~= 0 or string.byte(raw, at + 1) ~= 71 then return nil end
  local digits, from = string.match(raw, '^(%d+):()', at + 2)
  if not digits or #digits > 9 then return nil end
  local n = tonumber(digits)
  if n == 0 or from + n - 1 > #raw then return nil end
  return string.sub(raw, from, from + n - 1)
end

-- Deletes a message a walk of `ready` met expired (or already gone), counting the expiry;
-- answers 1, the share of the walk's budget it used.
local function dropMet(seq, raw)
  if raw then tally('n_expired', 1) end
  forget(seq)
  return 1
end

-- The busy groups: group -> the lowest seq it may hand out from (0 when a member is
-- leased: none; else its lowest delayed member's seq). Reads every held message once, so
-- a grouped take or lease costs O(held) on top of what it takes; nil when no group is
-- busy. Expired messages do not count: they are never delivered again.
local function busyGroups(now)
  local busy, any = {}, false
  for _, seq in ipairs(redis.call('ZRANGE', K_HELD, 0, -1)) do
    local raw = redis.call('HGET', K_MSG, seq)
    local group = raw and not isExpired(raw, now) and groupOf(raw)
    if group and busy[group] ~= 0 then
      any = true
      if redis.call('HEXISTS', K_LEASE, seq) == 1 then
        busy[group] = 0
      elseif busy[group] == nil then
        busy[group] = tonumber(seq) -- held is in seq order: the first delayed one is the lowest
      end
    end
  end
  if any then return busy end
  return nil
end

-- popReady's walk once it found busy groups, `taken` messages into the call: walks
-- `ready` in seq order in chunks, leaving the messages of busy groups where they are, and
-- looks at GROUP_LOOKAHEAD live messages at most, counting those taken (store/contract.ts;
-- expired ones are deleted under `budget` as in popReady). A group free when the call
-- started stays free for the call, so one call may hand out several of its messages.
local function popReadyGrouped(now, limit, budget, take, fits, busy, taken)
  local looked, after, chunk = taken, '-inf', limit - taken
  while looked < GROUP_LOOKAHEAD do
    chunk = math.min(chunk, GROUP_LOOKAHEAD - looked)
    local seqs = redis.call('ZRANGEBYSCORE', K_READY, after, '+inf', 'LIMIT', 0, chunk)
    if #seqs == 0 then return false end
    for _, seq in ipairs(seqs) do
      after = '(' .. seq
      local raw = redis.call('HGET', K_MSG, seq)
      if raw and not isExpired(raw, now) then
        looked = looked + 1
        local group = groupOf(raw)
        local from = group and busy[group]
        if not from or tonumber(seq) < from then
          if fits and not fits(raw) then return false end
          redis.call('ZREM', K_READY, seq)
          taken = taken + 1
          take(seq, raw)
          if taken >= limit then return false end
        end
      else
        budget = budget - dropMet(seq, raw)
        if budget <= 0 then return true end
      end
    end
    chunk = math.min(chunk * 2, 256)
  end
  return false
end

-- Takes up to `limit` live messages from the head of `ready`, oldest first, handing each
-- to `take(seq, raw)` once it has left `ready`; in a queue with busy groups it passes
-- their messages by (popReadyGrouped). `fits(raw)`, when given, is asked before a
-- live message leaves: false leaves it ready and ends the walk (only then is the head
-- peeked instead of popped). Expired messages met on the way are deleted, at most `budget`
-- of them; returns true when the budget ran out first, so the caller reports more to do.
local function popReady(now, limit, budget, take, fits)
  local taken = 0
  local groupsChecked = false
  while taken < limit do
    local head
    if fits then head = redis.call('ZRANGE', K_READY, 0, 0) else head = redis.call('ZPOPMIN', K_READY) end
    if #head == 0 then break end
    local seq = head[1]
    local raw = redis.call('HGET', K_MSG, seq)
    local live = raw and not isExpired(raw, now)
    if live and not groupsChecked and groupOf(raw) then
      -- The first grouped message of the call: only ungrouped ones were taken so far, so
      -- the groups held now are those held when the call began.
      groupsChecked = true
      local busy = busyGroups(now)
      if busy then
        if not fits then redis.call('ZADD', K_READY, seq, seq) end
        return popReadyGrouped(now, limit, budget, take, fits, busy, taken)
      end
    end
    if live and fits and not fits(raw) then break end
    if fits then redis.call('ZREM', K_READY, seq) end
    if live then
      taken = taken + 1
      take(seq, raw)
    else
      budget = budget - dropMet(seq, raw)
      if budget <= 0 then return true end
    end
  end
  return false
end

-- A `fits` for popReady that keeps the values taken within `maxBytes` UTF-8 bytes (ARGV
-- text; '' or nil: no bound, answers nil). With `free` the first message goes whatever its
-- size, so a message stored under a larger size limit can still be delivered alone.
local function byteBudget(maxBytes, free)
  local limit = tonumber(maxBytes)
  if not limit then return nil end
  local bytes = 0
  local first = free
  return function(raw)
    local size = #raw - #string.match(raw, '^%d+|%d*|')
    if not first and bytes + size > limit then return false end
    first = false
    bytes = bytes + size
    return true
  end
end

-- Appends `list`'s items to `out`.
local function append(out, list)
  for _, v in ipairs(list) do out[#out + 1] = v end
end

-- Deletes up to `budget` expired messages (any state); true when the budget ran out.
local function dropExpired(now, budget)
  local seqs = redis.call('ZRANGEBYSCORE', K_EXP, '-inf', now, 'LIMIT', 0, budget)
  for _, seq in ipairs(seqs) do forget(seq) end
  tally('n_expired', #seqs)
  return #seqs >= budget
end

-- Stores one message at the end of the queue; visibleAt > now makes it delayed.
local function store(seq, now, value, expiresAt, visibleAt)
  redis.call('HSET', K_MSG, seq, int(now) .. '|' .. expiresAt .. '|' .. value)
  if visibleAt > now then
    redis.call('ZADD', K_HELD, seq, seq)
    redis.call('ZADD', K_DUE, visibleAt, seq)
  else
    redis.call('ZADD', K_READY, seq, seq)
  end
  if expiresAt ~= '' then redis.call('ZADD', K_EXP, expiresAt, seq) end
end

-- Checks that `receipt` names the current, unexpired lease of `seq`: nil when it does,
-- else 'stale' or 'expired'.
local function checkLease(seq, receipt, now)
  local current = redis.call('HGET', K_LEASE, seq)
  if not current or current ~= receipt then return 'stale' end
  local untilAt = redis.call('ZSCORE', K_DUE, seq)
  if not untilAt or tonumber(untilAt) <= now then return 'expired' end
  return nil
end
