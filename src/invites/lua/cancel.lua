-- ARGV: 3 id, 4 reason or ''. Canceling twice answers as the first time did.
local doc = load(ARGV[3])
if not doc then return {'err', 'invite_not_found'} end
if expire_if_due(doc) or doc.status == 'expired' then return {'err', 'invite_expired'} end
if doc.status == 'canceled' then return {'ok', 'already', encode(doc)} end
if doc.status == 'accepted' then return {'err', 'invite_accepted'} end
if doc.status == 'declined' then return {'err', 'invite_declined'} end
set_status(doc, 'canceled')
tally('canceled', doc)
doc.canceledAt = NOW
local ev = {type = 'canceled'}
if ARGV[4] ~= '' then ev.reason = ARGV[4] end
event(doc.id, ev)
local raw = save(doc)
publish('invite.canceled', doc.id, raw, with_reason(ARGV[4]))
return {'ok', 'canceled', raw}
