--- @include batches lifecycle ordered_read suppressions
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.erase(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:batch:ID, P:batch:ID:ended, P:stats, P:st:HOUR, P:events, P:sup, P:z:sup[:t:TENANT][:REASON].
-- Erases an address from one partition (DESIGN §18): removes the invites that name it (with
-- their trails, index entries and code look-ups; no trail line or event is written, since both
-- would name it) and turns its suppression entry into a digest, so it is still not mailed.
-- ARGV: 2 'email' (the invites of the address's e-mail index) or 'id' (one invite, found naming
-- it elsewhere), 3 the lowercase address or the invite id, 4 most invites to remove, 5 the
-- tenants erased from, space-separated (other tenants' invites and entries stay).
-- Reply: {invites removed, 1 when more may be left else 0, batch ids whose share may have ended}.
local mode, what, most = ARGV[2], ARGV[3], tonumber(ARGV[4])
local tenants = {}
for t in string.gmatch(ARGV[5], '%S+') do tenants[t] = true end
-- The invites to remove, loaded; another tenant's are passed over (so a repeat call ends).
local docs = {}
local function take(id)
  local doc = load(id)
  if doc and tenants[doc.tenant] then docs[#docs + 1] = doc end
end
if mode == 'id' then
  take(what)
else
  local pre = value_key(what)
  ix_walk(ix_name('email'), pre, false, function(e)
    if string.sub(e, 1, #pre) ~= pre then return true end
    take('inv_' .. string.sub(e, #pre + 1))
    return #docs >= most
  end)
end
local removed, ended = 0, {}
for _, doc in ipairs(docs) do
  remove_invite(doc)
  removed = removed + 1
  -- A first send that will now never end would hold its batch open: it counts as failed.
  if doc.delivery.sentSeq == 0 and (doc.delivery.status == 'queued' or doc.delivery.status == 'scheduled') then
    if batch_count_end(doc.batchId, doc.id, 'failed') then ended[#ended + 1] = doc.batchId end
  end
end
-- Each entry (the tenants' own, and a shared bounce) becomes a digest naming no address.
local function to_digest(field, entry, remove)
  local rec = cjson.decode(entry)
  remove(rec)
  redis.call('HSET', k(K.suppressions), erased_field(field), cjson.encode({reason = rec.reason, createdAt = rec.createdAt}))
end
if mode == 'email' then
  for tenant in pairs(tenants) do
    local entry = suppression(tenant, what)
    if entry then to_digest(sup_field(tenant, what), entry, function(rec) sup_remove(tenant, what, rec) end) end
  end
  local shared = redis.call('HGET', k(K.suppressions), shared_field(what))
  if shared then
    to_digest(shared_field(what), shared, function() redis.call('HDEL', k(K.suppressions), shared_field(what)) end)
  end
end
return {removed, (mode == 'email' and #docs >= most) and 1 or 0, ended}
