--- @include indexes ordered_read
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.setMembers(), store.setSize() and store.dueCount(). Keys it may touch: P:o:NAME:b:…, P:o:NAME:d (indexes).
-- Reads an index. ARGV: 2 'members' or 'count', 3 kind, 4 value, 5 most: the ids with that
-- value, or their number, counting no further than past most (so the caller can tell "more than
-- most"); or 2 'due': how many pending invites are past their expiry and not yet swept.
-- Reply: a list of ids, or a count.
if ARGV[2] == 'due' then return ix_count(ix_name('due'), '', enc_score(NOW + 1)) end
local pre, most = value_key(ARGV[4]), tonumber(ARGV[5])
if ARGV[2] == 'count' then return ix_count(ix_name(ARGV[3]), pre, pre .. '\255', most) end
local ids = {}
ix_walk(ix_name(ARGV[3]), pre, false, function(e)
  if string.sub(e, 1, #pre) ~= pre or #ids > most then return true end
  ids[#ids + 1] = 'inv_' .. string.sub(e, #pre + 1)
end)
return ids
