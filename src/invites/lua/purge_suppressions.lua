--- @include suppressions
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.purgeSuppressions(). Keys it may touch: P:sup, P:z:sup:t:TENANT[:REASON].
-- Removes up to ARGV[4] of a deleted tenant's (ARGV[2]) entries indexed at or before ARGV[3]
-- (ms), each with its index entries, in one step: an entry a tenant made again with the same id
-- writes meanwhile is indexed later and stays.
-- Reply: how many entries it looked at (fewer than ARGV[4]: none of that age is left).
local tenant, before, most = ARGV[2], ARGV[3], tonumber(ARGV[4])
local order = sup_order(tenant)
local members = redis.call('ZRANGE', order, '-inf', before, 'BYSCORE', 'LIMIT', 0, most)
for _, emailKey in ipairs(members) do
  local raw = suppression(tenant, emailKey)
  if raw then sup_remove(tenant, emailKey, cjson.decode(raw)) else redis.call('ZREM', order, emailKey) end
end
return #members
