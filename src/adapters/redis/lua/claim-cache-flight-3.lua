--[[
  Claims the single-flight lock of a response cache entry, unless the entry exists already or
  another owner holds the lock.

  Input:
    KEYS[1] entries   HASH    id -> payload (JSON)
    KEYS[2] expiries  ZSET    id -> expiresAtMs (server clock)
    KEYS[3] flight    STRING  owner of this entry's lock, or '!abandoned'

    ARGV[1] id
    ARGV[2] owner
    ARGV[3] lock time to live, ms

  Output:
    { 1, payload }  the entry exists
    { 2 }           the lock is the caller's (taken now, or held already)
    { 0 }           another owner holds the lock
    { -1 }          the last owner gave up; nobody holds the lock
]]
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expiresAt = redis.call('ZSCORE', KEYS[2], ARGV[1])
if expiresAt and tonumber(expiresAt) > nowMs then
  local payload = redis.call('HGET', KEYS[1], ARGV[1])
  if payload then return { 1, payload } end
end

local holder = redis.call('GET', KEYS[3])
if not holder then
  redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
  return { 2 }
end
if holder == ARGV[2] then return { 2 } end
if holder == '!abandoned' then return { -1 } end
return { 0 }
