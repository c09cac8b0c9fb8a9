--[[
  Releases a reservation without charging anything.

  Input:
    KEYS[1] reservations         ZSET  reservationId -> expiresAtMs
    KEYS[2] reservation amounts  HASH  reservationId -> cjson { t, u, d, m }

    ARGV[1] reservationId

  Output:
    1  released
    0  not live (unknown, settled, released or expired); nothing changed
]]
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return removed
