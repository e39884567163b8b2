--- @include lifecycle suppressions
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.bounce(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:stats, P:st:HOUR, P:events, P:sup, P:z:sup[:t:TENANT][:REASON].
-- Records a bounce report (DSN) for one send of an invite.
-- ARGV: 2 invite id, 3 send seq, 4 '1' permanent
-- (Action: failed, Status: 5.x.x) or '0' a delay (4.x.x), 5 status code, 6 diagnostic text,
-- 7 the tenant the invite must belong to, or '' for any (another's reads as gone).
-- A permanent failure suppresses the address and marks the delivery bounced; a delay is only
-- written to the invite's audit trail.
-- Reply: {'ok', 'bounced' | 'delayed' | 'gone'}.
local doc = load(ARGV[2])
if not doc or (ARGV[7] ~= '' and doc.tenant ~= ARGV[7]) then return {'ok', 'gone'} end
local permanent, status, detail = ARGV[4] == '1', ARGV[5], ARGV[6]
if not permanent then
  event(doc.id, {type = 'delivery_delayed', seq = tonumber(ARGV[3]), status = status, detail = detail})
  return {'ok', 'delayed'}
end
local d = doc.delivery
d.status = 'bounced'
d.lastError = detail
event(doc.id, {type = 'bounced', seq = tonumber(ARGV[3]), status = status, detail = detail})
stat('bounced')
tally('bounced', doc)
touch(doc)
local raw = save(doc)
publish('invite.bounced', doc.id, raw, {status = status, detail = detail})
if not isnull(doc.emailKey) then suppress(doc.tenant, doc.email, doc.emailKey, 'bounce', detail) end
return {'ok', 'bounced'}
