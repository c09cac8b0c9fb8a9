--[[
  Inserts or replaces a response cache entry and files it under its buckets. Also purges a
  bounded number of expired entries, evicts the entries expiring first while the scope is over its
  cap, keeps every key of the scope alive as long as its newest entry, and ends the writer's
  single-flight lock on the entry. The caller writes the entry's vector itself, just before.

  Input:
    KEYS[1] entries   HASH    id -> payload (JSON)
    KEYS[2] expiries  ZSET    id -> expiresAtMs (server clock)
    KEYS[3] vectors   HASH    id -> unit vector, little-endian float32
    KEYS[4] buckets   HASH    bucket -> the newest ids filed under it, 16 characters each, oldest first
    KEYS[5] filed     HASH    id -> its buckets, comma-separated
    KEYS[6] flight    STRING  owner of this entry's single-flight lock

    ARGV[1] id, 16 characters
    ARGV[2] payload
    ARGV[3] time to live, ms
    ARGV[4] most entries the scope may hold
    ARGV[5] flight owner to release, or ''
    ARGV[6] ids a bucket keeps, at most (older ones are never read, so they are dropped)
    ARGV[7..] the entry's buckets, one per band; none keeps it for exact lookups only

  Output:
    the number of other entries removed (expired or evicted)
]]
local entries, expiries, vectors, buckets, filed, flight = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local id, payload, ttlMs, cap = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local owner, perBucket = ARGV[5], tonumber(ARGV[6])
local ID_LENGTH = 16

local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local function withoutId(packed, entryId)
  local from = 1
  while true do
    local at = string.find(packed, entryId, from, true)
    if not at then return packed end
    if (at - 1) % ID_LENGTH == 0 then return string.sub(packed, 1, at - 1) .. string.sub(packed, at + ID_LENGTH) end
    from = at + 1
  end
end

local function unfile(entryId, list)
  if not list then return end
  for field in string.gmatch(list, '[^,]+') do
    local packed = redis.call('HGET', buckets, field)
    if packed then
      local rest = withoutId(packed, entryId)
      if rest == '' then redis.call('HDEL', buckets, field) elseif rest ~= packed then redis.call('HSET', buckets, field, rest) end
    end
  end
end

-- In slices: unpack() of a very long list would overflow the Lua stack.
local function remove(ids)
  for first = 1, #ids, 500 do
    local slice = { unpack(ids, first, math.min(first + 499, #ids)) }
    local lists = redis.call('HMGET', filed, unpack(slice))
    for i, entryId in ipairs(slice) do unfile(entryId, lists[i]) end
    redis.call('HDEL', entries, unpack(slice))
    redis.call('HDEL', vectors, unpack(slice))
    redis.call('HDEL', filed, unpack(slice))
    redis.call('ZREM', expiries, unpack(slice))
  end
  return #ids
end

local removed = remove(redis.call('ZRANGEBYSCORE', expiries, '-inf', nowMs, 'LIMIT', 0, 100))

unfile(id, redis.call('HGET', filed, id))
redis.call('HSET', entries, id, payload)
redis.call('ZADD', expiries, nowMs + ttlMs, id)
if #ARGV < 7 then
  redis.call('HDEL', vectors, id)
  redis.call('HDEL', filed, id)
else
  for i = 7, #ARGV do
    local packed = (redis.call('HGET', buckets, ARGV[i]) or '') .. id
    if #packed > perBucket * ID_LENGTH then packed = string.sub(packed, -perBucket * ID_LENGTH) end
    redis.call('HSET', buckets, ARGV[i], packed)
  end
  redis.call('HSET', filed, id, table.concat({ unpack(ARGV, 7) }, ','))
end

local over = redis.call('ZCARD', expiries) - cap
if over > 0 then
  local popped = redis.call('ZPOPMIN', expiries, over)
  local ids = {}
  for i = 1, #popped, 2 do ids[#ids + 1] = popped[i] end
  removed = removed + remove(ids)
end

for _, key in ipairs({ entries, expiries, vectors, buckets, filed }) do
  if redis.call('PTTL', key) < ttlMs then redis.call('PEXPIRE', key, ttlMs) end
end
if owner ~= '' and redis.call('GET', flight) == owner then redis.call('DEL', flight) end
return removed
