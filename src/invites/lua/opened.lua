-- The first view of an invite's landing page (DESIGN §13): records openedAt and invite.opened
-- once; nothing else about the invite changes (not even updatedAt).
-- KEYS: none (prefix-built, see lib.lua). ARGV: 3 id.
-- Reply: {'ok', 'opened' | 'already' | 'gone'}.
local doc = load(ARGV[3])
if not doc then return {'ok', 'gone'} end
if not isnull(doc.openedAt) then return {'ok', 'already'} end
doc.openedAt = NOW
event(doc.id, {type = 'opened'})
stat('opened')
tally('opened', doc)
publish('invite.opened', doc.id, save(doc))
return {'ok', 'opened'}
