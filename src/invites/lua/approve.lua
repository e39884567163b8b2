--- @include approval
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.approve(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:batch:ID, P:batch:ID:ended, P:stats, P:st:HOUR, P:events.
-- Approves or rejects one invite waiting for approval (DESIGN §17).
-- ARGV: 2 id, 3 'approve' or 'reject', 4 reason or ''.
-- Reply: {'ok', 'approved' | 'rejected', invite, '1' when a first send was queued else '', the
-- batch id when a rejection ended its share else ''}, or {'err', code}.
local doc = load(ARGV[2])
if not doc then return {'err', 'invite_not_found'} end
if doc.status ~= 'pending_approval' then return {'err', 'invite_not_waiting'} end
if ARGV[3] == 'approve' then
  local raw, send = approve(doc, ARGV[4])
  return {'ok', 'approved', raw, send and '1' or '', ''}
end
local raw, shareDone = reject(doc, ARGV[4])
return {'ok', 'rejected', raw, '', shareDone and doc.batchId or ''}
