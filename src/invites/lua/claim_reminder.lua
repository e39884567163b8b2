--- @include lifecycle
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.claimReminder(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:stats, P:st:HOUR, P:events.
-- Gives a reminder its send number, once per slot: a retried reminder job gets the same number
-- back, so the sentSeq check stops a second copy (as for every send).
-- ARGV: 2 invite id, 3 slot (0-based).
-- Reply: {'ok', 'seq', n} to send, or {'ok', 'stop'} when the invite is gone or no longer pending.
local doc = load(ARGV[2])
if not doc then return {'ok', 'stop'} end
if expire_if_due(doc) or doc.status ~= 'pending' then return {'ok', 'stop'} end
local d = doc.delivery
if type(d.reminderSeqs) ~= 'table' then d.reminderSeqs = {} end
local slot = 's' .. ARGV[3]
if d.reminderSeqs[slot] then return {'ok', 'seq', d.reminderSeqs[slot]} end
d.queuedSeq = d.queuedSeq + 1
d.reminderSeqs[slot] = d.queuedSeq
save(doc)
return {'ok', 'seq', d.queuedSeq}
