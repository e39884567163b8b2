-- ARGV: 3 id, 4 cooldown ms, 5 new salt or '', 6 new digest or '', 7 new expiresAt ('' = keep,
-- 'null' = never), 8 reason or ''. Returns the send sequence number for the job.
local doc = load(ARGV[3])
if not doc then return {'err', 'invite_not_found'} end
if expire_if_due(doc) or doc.status ~= 'pending' then return {'err', 'invite_not_pending'} end
if isnull(doc.email) then return {'err', 'invite_has_no_email'} end
local d = doc.delivery
local last = math.max(isnull(d.lastSentAt) and 0 or d.lastSentAt, isnull(d.lastQueuedAt) and 0 or d.lastQueuedAt)
local cooldown = tonumber(ARGV[4])
if last > 0 and NOW - last < cooldown then
  return {'err', 'resend_cooldown', tostring(math.ceil((last + cooldown - NOW) / 1000))}
end
local rotated = ARGV[5] ~= ''
if rotated then
  if redis.call('SET', k('code', ARGV[6]), doc.id, 'NX') == false then return {'err', 'code_collision'} end
  redis.call('DEL', k('code', doc.digest))
  doc.salt, doc.digest = ARGV[5], ARGV[6]
end
if ARGV[7] == 'null' then set_expiry(doc, NULL)
elseif ARGV[7] ~= '' then set_expiry(doc, tonumber(ARGV[7])) end
d.queuedSeq = d.queuedSeq + 1
d.lastQueuedAt = NOW
d.status = 'queued'
d.scheduledFor = NULL
local ev = {type = 'resent', rotateCode = rotated}
if ARGV[8] ~= '' then ev.reason = ARGV[8] end
event(doc.id, ev)
event(doc.id, {type = 'queued', seq = d.queuedSeq})
queued_add(doc.id)
touch(doc)
return {'ok', tostring(d.queuedSeq), save(doc)}
