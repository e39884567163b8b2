--- @include lifecycle
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.decline(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:stats, P:st:HOUR, P:events.
-- The recipient says no (DESIGN §12).
-- ARGV: 2 id, 3 reason or ''.
-- Reply: {'ok', 'declined', invite} or {'err', 'invite_not_found' | 'invite_expired' | 'invite_not_pending'}.
local doc = load(ARGV[2])
if not doc then return {'err', 'invite_not_found'} end
if expire_if_due(doc) then return {'err', 'invite_expired'} end
if doc.status ~= 'pending' then return {'err', 'invite_not_pending'} end
set_status(doc, 'declined')
doc.declinedAt = NOW
local ev = {type = 'declined'}
if ARGV[3] ~= '' then ev.reason = ARGV[3] end
event(doc.id, ev)
stat('declined')
tally('declined', doc)
local raw = save(doc)
publish('invite.declined', doc.id, raw, with_reason(ARGV[3]))
return {'ok', 'declined', raw}
