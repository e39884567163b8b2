--- @include lifecycle
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.accept(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:stats, P:st:HOUR, P:events.
-- ARGV: 2 id, 3 userId or '', 4 email as given or '', 5 email lowercased or '', 6 reason or '',
-- 7 '1' when the policy allows that email (restrictDomains).
-- One use per call; the same user (or, for an anonymous accept, the invited address) counts once.
local doc, earlier = load_open(ARGV[2])
if not doc then return {'err', 'invite_not_found'} end
local userId, email, emailKey, reason = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if expire_if_due(doc) or doc.status == 'expired' then return {'err', 'invite_expired'} end
if doc.status == 'canceled' then return {'err', 'invite_canceled'} end
if doc.status == 'declined' then return {'err', 'invite_declined'} end
if doc.status == 'pending_approval' then return {'err', 'invite_pending_approval'} end
if doc.status == 'rejected' then return {'err', 'invite_rejected'} end
if not isnull(doc.emailKey) and emailKey ~= doc.emailKey then return {'err', 'email_mismatch'} end
-- An open invite with restrictDomains admits only an address the policy allows (ARGV[7]).
if isnull(doc.emailKey) and doc.restrictDomains and ARGV[7] ~= '1' then return {'err', 'domain_not_allowed'} end
if type(doc.acceptedBy) ~= 'table' then doc.acceptedBy = {} end
-- An open invite's earlier uses are text here (load_open): a user's is found in the index of
-- users who accepted (written with each use, in this script), not by reading them.
if earlier and userId ~= '' and ix_has(ix_name('user'), filter_entry(userId, doc.id)) then
  return {'ok', 'already', encode(doc)}
end
for _, a in ipairs(doc.acceptedBy) do
  -- An invite bound to an address has one person behind it, whichever path accepted it.
  local same = (userId ~= '' and a.userId == userId)
    or (not isnull(doc.emailKey) and (userId == '' or isnull(a.userId)))
  if same then return {'ok', 'already', encode(doc)} end
end
if doc.status ~= 'pending' then return {'err', 'invite_used'} end
doc.uses = doc.uses + 1
table.insert(doc.acceptedBy, {
  userId = (userId ~= '' and userId) or NULL,
  email = (email ~= '' and email) or NULL,
  at = NOW,
})
if userId ~= '' then ix_add(ix_name('user'), filter_entry(userId, doc.id)) end
local ev = {type = 'accepted', userId = (userId ~= '' and userId) or NULL, email = (email ~= '' and email) or NULL}
if reason ~= '' then ev.reason = reason end
event(doc.id, ev)
if doc.maxUses > 0 and doc.uses >= doc.maxUses then
  set_status(doc, 'accepted')
  doc.acceptedAt = NOW
  tally('accepted', doc)
else
  touch(doc)
end
stat('accepted')
local raw = save(doc)
publish('invite.accepted', doc.id, raw, with_reason(reason))
return {'ok', 'accepted', raw}
