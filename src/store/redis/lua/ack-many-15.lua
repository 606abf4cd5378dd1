-- Acks several leased messages of one queue in one call, in order: each is deleted if its
-- receipt names its current, unexpired lease (a key acked twice is 'stale' the second time).
-- KEYS[1..15] the queue's keys (lib/queue.lua)
-- ARGV[1] now (ms), then pairs: ARGV[2i] seq, ARGV[2i+1] receipt
-- Returns one of 'acked', 'stale', 'expired' per pair, in order.
-- @include queue
local now = tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV, 2 do
  local seq = ARGV[i]
  local refusal = checkLease(seq, ARGV[i + 1], now)
  if refusal then
    out[#out + 1] = refusal
  else
    forget(seq)
    out[#out + 1] = 'acked'
  end
end
return out
