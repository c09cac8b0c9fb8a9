--[[
  Reserves an amount against a user's day and month budgets: in both windows or in neither.
  Expired reservations are purged first, so a dead process's hold frees itself.

  Input:
    KEYS[1] reservations         ZSET  reservationId -> expiresAtMs (server clock)
    KEYS[2] reservation amounts  HASH  reservationId -> cjson { t, u, d, m }
    KEYS[3] day counter          HASH  tokens, microUsd
    KEYS[4] month counter        HASH  tokens, microUsd

    ARGV[1] reservationId
    ARGV[2] tokens
    ARGV[3] micro-USD
    ARGV[4] reservation time to live, ms
    ARGV[5] day id        ARGV[6] day token limit     ARGV[7] day micro-USD limit
    ARGV[8] month id      ARGV[9] month token limit   ARGV[10] month micro-USD limit
    A limit of -1 is unlimited.

  Output:
     1  reserved, or this reservationId was already live (nothing reserved twice)
    -1  the day budget would be exceeded; nothing reserved
    -2  the month budget would be exceeded; nothing reserved
]]
local reservations, amounts, dayCounter, monthCounter = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local reservationId = ARGV[1]
local tokens, microUsd, ttlMs = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local dayId, monthId = ARGV[5], ARGV[8]

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- HDEL in slices: unpack() of a very long list would overflow the Lua stack.
local expired = redis.call('ZRANGEBYSCORE', reservations, '-inf', nowMs)
for first = 1, #expired, 1000 do
  redis.call('HDEL', amounts, unpack(expired, first, math.min(first + 999, #expired)))
end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', reservations, '-inf', nowMs) end

if redis.call('ZSCORE', reservations, reservationId) then return 1 end

local held = { day = { 0, 0 }, month = { 0, 0 } }
local live = redis.call('ZRANGE', reservations, 0, -1)
for first = 1, #live, 1000 do
  local records = redis.call('HMGET', amounts, unpack(live, first, math.min(first + 999, #live)))
  for _, raw in ipairs(records) do
    if raw then
      local record = cjson.decode(raw)
      if record.d == dayId then held.day[1] = held.day[1] + record.t; held.day[2] = held.day[2] + record.u end
      if record.m == monthId then held.month[1] = held.month[1] + record.t; held.month[2] = held.month[2] + record.u end
    end
  end
end

local function fits(counter, reserved, tokenLimit, microLimit)
  local used = redis.call('HMGET', counter, 'tokens', 'microUsd')
  local usedTokens, usedMicro = tonumber(used[1]) or 0, tonumber(used[2]) or 0
  local tokensFit = tokenLimit < 0 or usedTokens + reserved[1] + tokens <= tokenLimit
  local microFits = microLimit < 0 or usedMicro + reserved[2] + microUsd <= microLimit
  return tokensFit and microFits
end

if not fits(monthCounter, held.month, tonumber(ARGV[9]), tonumber(ARGV[10])) then return -2 end
if not fits(dayCounter, held.day, tonumber(ARGV[6]), tonumber(ARGV[7])) then return -1 end

redis.call('ZADD', reservations, nowMs + ttlMs, reservationId)
redis.call('HSET', amounts, reservationId, cjson.encode({ t = tokens, u = microUsd, d = dayId, m = monthId }))
for _, key in ipairs({ reservations, amounts }) do
  if redis.call('PTTL', key) < ttlMs then redis.call('PEXPIRE', key, ttlMs) end
end
return 1
