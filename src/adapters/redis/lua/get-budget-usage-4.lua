--[[
  Reads a user's used and live-reserved amounts in a day and a month window. Writes nothing.

  Input:
    KEYS[1] reservations         ZSET  reservationId -> expiresAtMs (server clock)
    KEYS[2] reservation amounts  HASH  reservationId -> cjson { t, u, d, m }
    KEYS[3] day counter          HASH  tokens, microUsd
    KEYS[4] month counter        HASH  tokens, microUsd

    ARGV[1] day id
    ARGV[2] month id

  Output:
    { day used tokens, day used micro-USD, day reserved tokens, day reserved micro-USD,
      month used tokens, month used micro-USD, month reserved tokens, month reserved micro-USD }
]]
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local held = { day = { 0, 0 }, month = { 0, 0 } }
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. nowMs, '+inf')
for first = 1, #live, 1000 do
  local records = redis.call('HMGET', KEYS[2], unpack(live, first, math.min(first + 999, #live)))
  for _, raw in ipairs(records) do
    if raw then
      local record = cjson.decode(raw)
      if record.d == ARGV[1] then held.day[1] = held.day[1] + record.t; held.day[2] = held.day[2] + record.u end
      if record.m == ARGV[2] then held.month[1] = held.month[1] + record.t; held.month[2] = held.month[2] + record.u end
    end
  end
end

local day = redis.call('HMGET', KEYS[3], 'tokens', 'microUsd')
local month = redis.call('HMGET', KEYS[4], 'tokens', 'microUsd')
return {
  tonumber(day[1]) or 0, tonumber(day[2]) or 0, held.day[1], held.day[2],
  tonumber(month[1]) or 0, tonumber(month[2]) or 0, held.month[1], held.month[2],
}
