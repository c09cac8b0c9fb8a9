--[[
  Takes one of at most ARGV[2] concurrent slots for a key, if one is free.

  Input:
    KEYS[1] the key's holders: a sorted set of holderId -> expiry (ms)
    ARGV[1] holderId
    ARGV[2] max holders
    ARGV[3] ttl in ms (a holder that never releases frees its slot after this)

  Output:
    0   the slot is taken (or was already held by this holder)
    N>0 no slot free; ms until the soonest holder expires
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
  return 0
end
local soonest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(soonest[2]) - now)
