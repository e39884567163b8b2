--- @include batches codes feed indexes sends trail
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.delete(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:batch:ID, P:batch:ID:ended, P:events.
-- ARGV: 2 id, 3 reason or ''. Removes the invite and every index entry; its audit trail is kept
-- for 30 days so the deletion itself stays visible. Reply as delivery.lua's.
local doc = load(ARGV[2])
if not doc then return {'err', 'invite_not_found'} end
if doc.status == 'accepted' then return {'err', 'invite_accepted'} end
unindex_all(doc)
trail_detach(doc.id)
queued_done(doc.id)
code_drop(doc.digest)
hold(doc.id, false)
-- Who may still read the trail (DESIGN §15: another tenant's id answers 404); the API leaves it out.
local ev = {type = 'deleted', owner = {t = isnull(doc.tenant) and 'default' or doc.tenant, s = doc.scope}}
if ARGV[3] ~= '' then ev.reason = ARGV[3] end
event(doc.id, ev)
redis.call('EXPIRE', k(K.trail, doc.id), 30 * 86400)
publish('invite.deleted', doc.id, encode(doc), with_reason(ARGV[3]))
local shareDone = false
if doc.delivery.sentSeq == 0 and (doc.delivery.status == 'queued' or doc.delivery.status == 'scheduled') then
  shareDone = batch_count_end(doc.batchId, doc.id, 'failed')
end
return ended_reply('deleted', nil, doc.batchId, shareDone)
