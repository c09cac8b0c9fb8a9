--[[
  Ends a single-flight lock, if the caller still holds it.

  Input:
    KEYS[1] flight  STRING  owner of the lock, or '!abandoned'

    ARGV[1] owner
    ARGV[2] ms to leave an '!abandoned' mark for, or 0 to just free the lock

  Output:
    1  ended
    0  the caller did not hold the lock; nothing changed
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], '!abandoned', 'PX', ARGV[2])
else
  redis.call('DEL', KEYS[1])
end
return 1
