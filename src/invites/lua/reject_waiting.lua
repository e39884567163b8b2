--- @include approval ordered_read
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.rejectWaiting(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:batch:ID, P:batch:ID:ended, P:stats, P:st:HOUR, P:events.
-- Rejects invites that waited for approval longer than APPROVAL_TTL (DESIGN §17), taking from
-- the front of the 'waiting' index (by creation) only what is due. ARGV: 2 cutoff (ms): created at
-- or before it, 3 most invites in this call.
-- Reply: {rejected, entries looked at, batch ids whose share ended}.
local cutoff = tonumber(ARGV[2])
local entries = ix_pop_front(ix_name('waiting'), tonumber(ARGV[3]), function(e) return sort_parts(e) <= cutoff end)
local rejected, ended = 0, {}
for _, e in ipairs(entries) do
  local _, id = sort_parts(e)
  local doc = load(id)
  if doc and doc.status == 'pending_approval' then
    local _, shareDone = reject(doc, 'approval_ttl')
    if shareDone then ended[#ended + 1] = doc.batchId end
    rejected = rejected + 1
  end
end
return {rejected, #entries, ended}
