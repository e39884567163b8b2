--- @include lifecycle ordered_read
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.retire(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:stats, P:st:HOUR, P:events.
-- Removes invites that became final (accepted, canceled, expired, declined) at or before a cutoff
-- (INVITE_RETENTION, DESIGN §18): the invite, its audit trail (in its key and P:ev:ID), every
-- index entry and its code look-up. Stats and the feed keep what they counted and recorded.
-- ARGV: 2 cutoff (ms), 3 most invites to remove in this call.
-- Takes from the front of the 'final' index (ordered by when each became final) only what is
-- due, so the cost follows what is removed, not what is stored.
-- Reply: {removed, entries looked at}.
local cutoff = tonumber(ARGV[2])
local entries = ix_pop_front(ix_name('final'), tonumber(ARGV[3]), function(e) return sort_parts(e) <= cutoff end)
local removed = 0
for _, e in ipairs(entries) do
  local _, id = sort_parts(e)
  local doc = load(id)
  if doc then
    remove_invite(doc)
    removed = removed + 1
  end
end
return {removed, #entries}
