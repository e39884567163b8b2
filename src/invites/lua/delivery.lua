-- Records what one send attempt did. ARGV: 3 id, 4 seq, 5 outcome (sent | retry | failed | skipped),
-- 6 message id or error text, 7 batch id or ''. A send at or below sentSeq was already recorded.
local id, seq, outcome, info, batchId = ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7]
local doc = load(id)
if not doc then
  if seq == 1 then batch_count_end(batchId, id, 'failed') end
  return {'ok', 'gone'}
end
local d = doc.delivery
if seq <= d.sentSeq then return {'ok', 'already'} end
if outcome == 'sent' then
  d.sentSeq = seq
  d.sends = d.sends + 1
  d.attempts = d.attempts + 1
  d.status = 'sent'
  d.lastSentAt = NOW
  d.messageId = info
  d.lastError = NULL
  event(id, {type = 'sent', seq = seq, messageId = info})
  stat('sent')
  if seq == 1 then batch_count_end(doc.batchId, id, 'sent') end
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
  if seq == 1 then batch_count_end(doc.batchId, id, 'failed') end
else -- skipped: the invite left pending before its mail went out
  if d.status == 'queued' then d.status = (d.sentSeq > 0) and 'sent' or 'none' end
  if seq == 1 then batch_count_end(doc.batchId, id, 'failed') end
end
touch(doc)
save(doc)
return {'ok', outcome}
