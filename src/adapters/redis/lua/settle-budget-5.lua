--[[
  Settles a reservation: drops it if still live and adds the actual usage to the day and month
  counters. A reservationId settles once; a repeat adds nothing. A reservation that already
  expired is still charged, because the usage it stood for happened.

  Input:
    KEYS[1] reservations         ZSET  reservationId -> expiresAtMs
    KEYS[2] reservation amounts  HASH  reservationId -> cjson { t, u, d, m }
    KEYS[3] settled              ZSET  reservationId -> settledAtMs
    KEYS[4] day counter          HASH  tokens, microUsd
    KEYS[5] month counter        HASH  tokens, microUsd

    ARGV[1] reservationId
    ARGV[2] actual tokens
    ARGV[3] actual micro-USD
    ARGV[4] day counter time to live, s
    ARGV[5] month counter time to live, s
    ARGV[6] how long a settled id is remembered, ms

  Output:
    1  charged
    0  already settled; nothing added
]]
local reservations, amounts, settled = KEYS[1], KEYS[2], KEYS[3]
local reservationId = ARGV[1]
local retentionMs = tonumber(ARGV[6])

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

redis.call('ZREMRANGEBYSCORE', settled, '-inf', nowMs - retentionMs)
if redis.call('ZSCORE', settled, reservationId) then return 0 end

redis.call('ZREM', reservations, reservationId)
redis.call('HDEL', amounts, reservationId)

local counters = { { KEYS[4], ARGV[4] }, { KEYS[5], ARGV[5] } }
for _, counter in ipairs(counters) do
  redis.call('HINCRBY', counter[1], 'tokens', ARGV[2])
  redis.call('HINCRBY', counter[1], 'microUsd', ARGV[3])
  redis.call('EXPIRE', counter[1], counter[2])
end

redis.call('ZADD', settled, nowMs, reservationId)
redis.call('PEXPIRE', settled, retentionMs)
return 1
