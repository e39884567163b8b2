--- @include lifecycle
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.resend(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:stats, P:st:HOUR, P:events.
-- ARGV: 2 id, 3 cooldown ms, 4 new salt or '', 5 new digest or '', 6 new expiresAt ('' = keep,
-- 'null' = never), 7 reason or ''. Returns the send sequence number for the job.
local doc = load(ARGV[2])
if not doc then return {'err', 'invite_not_found'} end
if expire_if_due(doc) or doc.status ~= 'pending' then return {'err', 'invite_not_pending'} end
if isnull(doc.email) then return {'err', 'invite_has_no_email'} end
local d = doc.delivery
local last = math.max(isnull(d.lastSentAt) and 0 or d.lastSentAt, isnull(d.lastQueuedAt) and 0 or d.lastQueuedAt)
local cooldown = tonumber(ARGV[3])
if last > 0 and NOW - last < cooldown then
  return {'err', 'resend_cooldown', tostring(math.ceil((last + cooldown - NOW) / 1000))}
end
local rotated = ARGV[4] ~= ''
if rotated then
  if not code_claim(ARGV[5], doc.id) then return {'err', 'code_collision'} end
  code_drop(doc.digest)
  doc.salt, doc.digest = ARGV[4], ARGV[5]
end
if ARGV[6] == 'null' then set_expiry(doc, NULL)
elseif ARGV[6] ~= '' then set_expiry(doc, tonumber(ARGV[6])) end
d.queuedSeq = d.queuedSeq + 1
d.lastQueuedAt = NOW
d.status = 'queued'
d.scheduledFor = NULL
local ev = {type = 'resent', rotateCode = rotated}
if ARGV[7] ~= '' then ev.reason = ARGV[7] end
event(doc.id, ev)
event(doc.id, {type = 'queued', seq = d.queuedSeq})
queued_add(doc.id)
touch(doc)
return {'ok', tostring(d.queuedSeq), save(doc)}
