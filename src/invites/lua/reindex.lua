-- KEYS[1] the key prefix and ARGV[1] the time, as in every script (see lib.lua).
-- Moves one partition from the indexes of the older layout (sorted sets P:z:created|updated|
-- expires|due and P:x:KIND:VALUE, keys P:uniq:…) to the ordered indexes (index.lua), taking up to
-- ARGV[2] invites per call from P:z:created, which lists them all. Once it is empty the other
-- sort indexes go; the per-value keys are left to the caller (their names need a SCAN).
-- Reply: how many invites are left to move.
local old = k('z', 'created')
local ids = redis.call('ZRANGE', old, 0, tonumber(ARGV[2]) - 1)
for _, id in ipairs(ids) do
  local doc = load(id)
  if doc then index_all(doc) end
end
if #ids > 0 then redis.call('ZREM', old, unpack(ids)) end
local left = redis.call('ZCARD', old)
if left == 0 then redis.call('DEL', k('z', 'updated'), k('z', 'expires'), k('z', 'due')) end
return left
