--- @include batches lifecycle suppressions
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.delivery(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:batch:ID, P:batch:ID:ended, P:stats, P:st:HOUR, P:events, P:sup, P:z:sup[:t:TENANT][:REASON].
-- Records what one send attempt did.
-- ARGV: 2 id, 3 seq, 4 outcome (sent | retry | failed |
-- suppressed | skipped), 5 message id or error text, 6 batch id or '', 7 kind of mail (invite |
-- resend | reminder), 8 '1' when a failure is the recipient's permanent refusal (SMTP 5xx): the
-- address is then suppressed in the same step, 9 the template a sent message was rendered
-- from (KIND/LOCALE@VERSION), or ''. A send at or below sentSeq was already recorded.
-- Reply: batches.lua's ended_reply (outcome 'gone' when the invite no longer exists, 'already' for
-- a repeat).
local id, seq, outcome, info, batchId, kind = ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local permanent = ARGV[8] == '1'
local doc = load(id)
if not doc then
  queued_done(id)
  return ended_reply('gone', nil, batchId, seq == 1 and batch_count_end(batchId, id, 'failed'))
end
local d = doc.delivery
if seq <= d.sentSeq then return ended_reply('already') end
local published
if outcome == 'sent' then
  d.sentSeq = seq
  d.sends = d.sends + 1
  d.attempts = d.attempts + 1
  d.status = 'sent'
  d.scheduledFor = NULL
  d.lastSentAt = NOW
  sent_line(id, seq, d.messageId)
  d.messageId = info
  d.lastError = NULL
  if ARGV[9] ~= '' then doc.templateVersion = ARGV[9] end
  stat('sent')
  if d.sends == 1 then tally('sent', doc) end -- the funnel counts invites reached, not messages
  published = {'invite.sent', {kind = kind}}
elseif outcome == 'retry' then
  d.attempts = d.attempts + 1
  d.lastError = info
  stat('retried')
elseif outcome == 'failed' then
  d.attempts = d.attempts + 1
  d.lastError = info
  d.status = 'failed'
  event(id, {type = 'delivery_failed', seq = seq, error = info})
  stat('failed')
  tally('failed', doc)
  published = {'invite.delivery_failed', {kind = kind, error = info}}
  if permanent and not isnull(doc.emailKey) then suppress(doc.tenant, doc.email, doc.emailKey, 'bounce', info) end
elseif outcome == 'suppressed' then
  d.status = 'suppressed'
  d.lastError = NULL
  event(id, {type = 'suppressed', seq = seq})
  stat('suppressed')
  tally('suppressed', doc)
  published = {'invite.suppressed', {kind = kind}}
else -- skipped: the invite left pending before its mail went out
  if d.status == 'queued' or d.status == 'scheduled' then d.status = (d.sentSeq > 0) and 'sent' or 'none' end
  d.scheduledFor = NULL
end
-- A newer send queued meanwhile keeps the invite in the queued index.
if outcome ~= 'retry' and seq >= d.queuedSeq then queued_done(id) end
touch(doc)
local raw = save(doc)
if published then publish(published[1], id, raw, published[2]) end
local shareDone = false
if seq == 1 and outcome ~= 'retry' then
  local tally = 'failed'
  if outcome == 'sent' or outcome == 'suppressed' then tally = outcome end
  shareDone = batch_count_end(doc.batchId, id, tally)
end
return ended_reply(outcome, nil, doc.batchId, shareDone)
