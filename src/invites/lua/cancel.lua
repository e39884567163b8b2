--- @include lifecycle
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.cancel(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:stats, P:st:HOUR, P:events.
-- ARGV: 2 id, 3 reason or ''. Canceling twice answers as the first time did.
local doc = load(ARGV[2])
if not doc then return {'err', 'invite_not_found'} end
if expire_if_due(doc) or doc.status == 'expired' then return {'err', 'invite_expired'} end
if doc.status == 'canceled' then return {'ok', 'already', encode(doc)} end
if doc.status == 'accepted' then return {'err', 'invite_accepted'} end
if doc.status == 'declined' then return {'err', 'invite_declined'} end
set_status(doc, 'canceled')
tally('canceled', doc)
doc.canceledAt = NOW
local ev = {type = 'canceled'}
if ARGV[3] ~= '' then ev.reason = ARGV[3] end
event(doc.id, ev)
local raw = save(doc)
publish('invite.canceled', doc.id, raw, with_reason(ARGV[3]))
return {'ok', 'canceled', raw}
