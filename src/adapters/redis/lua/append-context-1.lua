--[[
  Appends turns to a cached conversation window, only where the window ends at the expected
  seq, so concurrent appends never leave a gap or swap two exchanges.

  Input:
    KEYS[1] the window: JSON { turns, throughSeq, summary, summaryThroughSeq, systemPromptVersion }
    ARGV[1] JSON array of the turns to append, oldest first
    ARGV[2] the seq the window accounts for after the append
    ARGV[3] the seq the window must account for now
    ARGV[4] the most turns kept (the oldest go first)
    ARGV[5] time to live in ms, renewed by the append

  Output:
    1   appended
    0   no window cached; nothing written
    -1  the window was elsewhere (or unreadable) and was deleted, so the next read rebuilds it
]]
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local readable, window = pcall(cjson.decode, raw)
local parsed, added = pcall(cjson.decode, ARGV[1])
if not readable or not parsed or type(window) ~= 'table' or type(added) ~= 'table'
  or tonumber(window.throughSeq) ~= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  return -1
end
-- cjson reads an empty JSON array as an empty table, which it writes back as {}; readers accept both.
local turns = type(window.turns) == 'table' and window.turns or {}
for _, turn in ipairs(added) do turns[#turns + 1] = turn end
local excess = #turns - tonumber(ARGV[4])
if excess > 0 then
  local kept = {}
  for index = excess + 1, #turns do kept[#kept + 1] = turns[index] end
  turns = kept
end
window.turns = turns
window.throughSeq = tonumber(ARGV[2])
redis.call('SET', KEYS[1], cjson.encode(window), 'PX', ARGV[5])
return 1
