--[[
  Appends a reply's events to its stream and publishes them to live listeners, in one step.

  Input:
    KEYS[1] the reply's stream (entry id = "<seq>-0", field d = delta text or f = "1" for final)
    ARGV[1] ttl in ms, renewed by every append
    ARGV[2] most entries kept (oldest trimmed first)
    ARGV[3] the channel live listeners of this reply subscribe to
    ARGV[4] the message to publish (JSON: {"i": instance, "e": events})
    ARGV[5] the events as JSON: [{"seq": n, "delta": "…"} | {"seq": n, "final": true}, …]

  Output:
    the number of events appended (an event whose seq is already there is skipped)
]]
local events = cjson.decode(ARGV[5])
local appended = 0
for _, event in ipairs(events) do
  local id = tostring(event.seq) .. '-0'
  local ok
  if event.final then
    ok = redis.pcall('XADD', KEYS[1], 'MAXLEN', ARGV[2], id, 'f', '1')
  else
    ok = redis.pcall('XADD', KEYS[1], 'MAXLEN', ARGV[2], id, 'd', event.delta)
  end
  if type(ok) ~= 'table' or not ok.err then appended = appended + 1 end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return appended
