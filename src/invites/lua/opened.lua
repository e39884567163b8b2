--- @include counters feed trail
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.opened(). Keys it may touch: P:inv:ID, P:ev:ID, P:stats, P:st:HOUR, P:events.
-- The first view of an invite's landing page (DESIGN §13): records openedAt and invite.opened
-- once; nothing else about the invite changes (not even updatedAt).
-- ARGV: 2 id.
-- Reply: {'ok', 'opened' | 'already' | 'gone'}.
local doc = load(ARGV[2])
if not doc then return {'ok', 'gone'} end
if not isnull(doc.openedAt) then return {'ok', 'already'} end
doc.openedAt = NOW
event(doc.id, {type = 'opened'})
stat('opened')
tally('opened', doc)
publish('invite.opened', doc.id, save(doc))
return {'ok', 'opened'}
