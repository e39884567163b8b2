--- @include counters_bulk lifecycle ordered_read
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.sweep(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:stats, P:st:HOUR, P:events.
-- Flips due invites to expired.
-- ARGV: 2 most invites to flip in this call.
-- Takes from the front of the due index (pending invites with an expiry, ordered by it) only
-- what is due, so the cost follows what expired, not what is stored (each entry moves to the
-- 'expires' index, indexes.lua's expiry_index); and flips each one by its
-- status letter, without decoding it (see codec.lua), and adds the trail's line in the same write. Each flip publishes invite.expired with the
-- invite as stored.
-- Reply: {flipped, ids looked at}.
local entries = ix_pop_front(ix_name('due'), tonumber(ARGV[2]), function(e) return sort_parts(e) <= NOW end)
local flipped, moved = 0, {} -- no longer due: their expiry entries move to the other index
local tallies = tally_batch()
for _, e in ipairs(entries) do
  local _, id = sort_parts(e)
  local key = k(K.invite, id)
  local raw = redis.call('GET', key)
  if raw and string.sub(raw, 1, 1) == 'P' then
    -- The new letter and the trail's new line in one write.
    local doc, trail = split(raw)
    redis.call('SET', key, 'E' .. string.sub(doc, 2) .. '\n' .. trail .. EXPIRED_LINE .. '\n')
    moved[#moved + 1] = e
    publish('invite.expired', id, 'E' .. string.sub(doc, 2))
    tallies.count_raw('expired', doc)
    flipped = flipped + 1
  end
end
ix_add_sorted(ix_name('expires'), moved)
-- Expired invites became final at their expiry: the same entries queue them for retention.
ix_add_sorted(ix_name('final'), moved)
if flipped > 0 then stat('expired', flipped) end
tallies.flush()
return {flipped, #entries}
