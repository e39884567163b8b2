-- Records a bounce report (DSN) for one send of an invite.
-- KEYS: none (prefix-built, see lib.lua). ARGV: 3 invite id, 4 send seq, 5 '1' permanent
-- (Action: failed, Status: 5.x.x) or '0' a delay (4.x.x), 6 status code, 7 diagnostic text.
-- A permanent failure suppresses the address and marks the delivery bounced; a delay is only
-- written to the invite's audit trail.
-- Reply: {'ok', 'bounced' | 'delayed' | 'gone'}.
local doc = load(ARGV[3])
if not doc then return {'ok', 'gone'} end
local permanent, status, detail = ARGV[5] == '1', ARGV[6], ARGV[7]
if not permanent then
  event(doc.id, {type = 'delivery_delayed', seq = tonumber(ARGV[4]), status = status, detail = detail})
  return {'ok', 'delayed'}
end
local d = doc.delivery
d.status = 'bounced'
d.lastError = detail
event(doc.id, {type = 'bounced', seq = tonumber(ARGV[4]), status = status, detail = detail})
stat('bounced')
tally('bounced', doc)
touch(doc)
local raw = save(doc)
publish('invite.bounced', doc.id, raw, {status = status, detail = detail})
if not isnull(doc.emailKey) then suppress(doc.email, doc.emailKey, 'bounce', detail) end
return {'ok', 'bounced'}
