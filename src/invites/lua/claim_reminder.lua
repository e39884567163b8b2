-- Gives a reminder its send number, once per slot: a retried reminder job gets the same number
-- back, so the sentSeq check stops a second copy (as for every send).
-- KEYS: none (prefix-built, see lib.lua). ARGV: 3 invite id, 4 slot (0-based).
-- Reply: {'ok', 'seq', n} to send, or {'ok', 'stop'} when the invite is gone or no longer pending.
local doc = load(ARGV[3])
if not doc then return {'ok', 'stop'} end
if expire_if_due(doc) or doc.status ~= 'pending' then return {'ok', 'stop'} end
local d = doc.delivery
if type(d.reminderSeqs) ~= 'table' then d.reminderSeqs = {} end
local slot = 's' .. ARGV[4]
if d.reminderSeqs[slot] then return {'ok', 'seq', d.reminderSeqs[slot]} end
d.queuedSeq = d.queuedSeq + 1
d.reminderSeqs[slot] = d.queuedSeq
save(doc)
return {'ok', 'seq', d.queuedSeq}
