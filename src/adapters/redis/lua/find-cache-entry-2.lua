--[[
  Reads one live response cache entry. Writes nothing.

  Input:
    KEYS[1] entries   HASH  id -> payload (JSON)
    KEYS[2] expiries  ZSET  id -> expiresAtMs (server clock)

    ARGV[1] id

  Output:
    the payload, or nil when the entry is missing or expired
]]
local expiresAt = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not expiresAt then return false end
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if tonumber(expiresAt) <= nowMs then return false end
return redis.call('HGET', KEYS[1], ARGV[1])
