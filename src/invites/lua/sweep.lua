-- ARGV: 3 most invites to flip in this call. Walks only the due index (pending invites with an
-- expiry, ordered by it), so the cost follows what expired, not what is stored.
local ids = redis.call('ZRANGE', k('z', 'due'), '-inf', NOW, 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[3]))
local flipped = 0
for _, id in ipairs(ids) do
  local doc = load(id)
  if doc and expire_if_due(doc) then
    flipped = flipped + 1
  else
    redis.call('ZREM', k('z', 'due'), id)
  end
end
return {flipped, #ids}
