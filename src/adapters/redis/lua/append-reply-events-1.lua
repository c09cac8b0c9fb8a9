--[[
  Appends a reply's events to its stream and publishes the ones appended to live listeners, in
  one step. Nothing is appended after the reply's final event (one written by another instance,
  e.g. a cancel that settled an orphaned reply, ends the stream for good).

  Input:
    KEYS[1] the reply's stream (entry id = "<seq>-0", field d = delta text or f = "1" for final)
    ARGV[1] ttl in ms, renewed by every append
    ARGV[2] most entries kept (oldest trimmed first)
    ARGV[3] the channel live listeners of this reply subscribe to
    ARGV[4] the appending instance's id (carried in the message)
    ARGV[5] the events as JSON: [{"seq": n, "delta": "…"} | {"seq": n, "final": true}, …]

  Output:
    the number of events appended (an event whose seq is already there is skipped)
]]
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if newest and newest[2][1] == 'f' then return 0 end
local appended = {}
for _, event in ipairs(cjson.decode(ARGV[5])) do
  local id = tostring(event.seq) .. '-0'
  local ok
  if event.final then
    ok = redis.pcall('XADD', KEYS[1], 'MAXLEN', ARGV[2], id, 'f', '1')
  else
    ok = redis.pcall('XADD', KEYS[1], 'MAXLEN', ARGV[2], id, 'd', event.delta)
  end
  if type(ok) ~= 'table' or not ok.err then
    appended[#appended + 1] = event
    if event.final then break end
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if #appended > 0 then redis.call('PUBLISH', ARGV[3], cjson.encode({ i = ARGV[4], e = appended })) end
return #appended
