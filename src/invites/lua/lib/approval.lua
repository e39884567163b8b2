--- @include batches lifecycle
-- Approval (DESIGN §17): an invite waiting in pending_approval becomes pending (its first send
-- queued when the create asked for one) or rejected (final).

-- Approves a waiting invite; returns the stored document and whether its first send is queued.
local function approve(doc, reason)
  set_status(doc, 'pending')
  local ev = {type = 'approved'}
  if reason ~= '' then ev.reason = reason end
  event(doc.id, ev)
  local send = doc.sendOnApproval == true and not isnull(doc.emailKey)
  doc.sendOnApproval = false
  if send then
    local d = doc.delivery
    d.status = isnull(d.scheduledFor) and 'queued' or 'scheduled'
    d.queuedSeq = 1
    d.lastQueuedAt = NOW
    event(doc.id, {type = 'queued', seq = 1})
    queued_add(doc.id)
  end
  stat('approved')
  tally('approved', doc)
  local raw = save(doc)
  publish('invite.approved', doc.id, raw, with_reason(reason))
  return raw, send
end

-- Rejects a waiting invite; returns the stored document and whether its batch share has ended
-- (a rejected invite's first send never happens: its batch counts it as failed).
local function reject(doc, reason)
  set_status(doc, 'rejected')
  local ev = {type = 'rejected'}
  if reason ~= '' then ev.reason = reason end
  event(doc.id, ev)
  doc.sendOnApproval = false
  stat('rejected')
  tally('rejected', doc)
  local raw = save(doc)
  publish('invite.rejected', doc.id, raw, with_reason(reason))
  return raw, batch_count_end(doc.batchId, doc.id, 'failed')
end
