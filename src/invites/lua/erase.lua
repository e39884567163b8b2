--- @include batches lifecycle ordered_read suppressions
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.erase(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:batch:ID, P:batch:ID:ended, P:stats, P:st:HOUR, P:events, P:sup, P:z:sup[:REASON].
-- Erases an address from one partition (DESIGN §18): removes the invites that name it (with
-- their trails, index entries and code look-ups; no trail line or event is written, since both
-- would name it) and turns its suppression entry into a digest, so it is still not mailed.
-- ARGV: 2 'email' (the invites of the address's e-mail index) or 'id' (one invite, found naming
-- it elsewhere), 3 the lowercase address or the invite id, 4 most invites to remove.
-- Reply: {invites removed, 1 when more may be left else 0, batch ids whose share may have ended}.
local mode, what, most = ARGV[2], ARGV[3], tonumber(ARGV[4])
local ids = {}
if mode == 'id' then
  ids[1] = what
else
  local pre = value_key(what)
  ix_walk(ix_name('email'), pre, false, function(e)
    if string.sub(e, 1, #pre) ~= pre then return true end
    ids[#ids + 1] = 'inv_' .. string.sub(e, #pre + 1)
    return #ids >= most
  end)
end
local removed, ended = 0, {}
for _, id in ipairs(ids) do
  local doc = load(id)
  if doc then
    remove_invite(doc)
    removed = removed + 1
    -- A first send that will now never end would hold its batch open: it counts as failed.
    if doc.delivery.sentSeq == 0 and (doc.delivery.status == 'queued' or doc.delivery.status == 'scheduled') then
      if batch_count_end(doc.batchId, id, 'failed') then ended[#ended + 1] = doc.batchId end
    end
  end
end
if mode == 'email' then
  local entry = suppression(what)
  if entry then
    local rec = cjson.decode(entry)
    redis.call('HDEL', k(K.suppressions), what)
    redis.call('ZREM', k(K.suppressionOrder), what)
    redis.call('ZREM', k(K.suppressionOrder, rec.reason), what)
    redis.call('HSET', k(K.suppressions), erased_field(what), cjson.encode({reason = rec.reason, createdAt = rec.createdAt}))
  end
end
return {removed, (mode == 'email' and #ids >= most) and 1 or 0, ended}
