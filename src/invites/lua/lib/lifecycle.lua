--- @include codes counters feed indexes sends trail
-- Removes an invite with its trail, every index entry, its code look-up and any queued-send
-- record (retention and erasure: neither leaves a trail line or an event).
local function remove_invite(doc)
  unindex_all(doc)
  code_drop(doc.digest)
  queued_done(doc.id)
  hold(doc.id, false)
  redis.call('DEL', k(K.trail, doc.id))
end

local function touch(doc)
  ix_move(ix_name('updated'), sort_entry(doc.updatedAt, doc.id), sort_entry(NOW, doc.id))
  doc.updatedAt = NOW
end

local function set_expiry(doc, expiresAt)
  expiry_rem(doc)
  doc.expiresAt = expiresAt
  expiry_add(doc)
end

-- Moves an invite to another status (the status has no index: a list reads the invite's first
-- letter; its expiry moves between 'due' and 'expires'). Expiry is not a change anyone made, so
-- it leaves updatedAt alone (the sweep flips without reading the document at all).
local function set_status(doc, status)
  local moves = due(doc) ~= (status == 'pending' and not isnull(doc.expiresAt))
  if moves then expiry_rem(doc) end
  if doc.status == 'pending_approval' then ix_rem(ix_name('waiting'), sort_entry(doc.createdAt, doc.id)) end
  doc.status = status
  if moves then expiry_add(doc) end
  if status ~= 'expired' then touch(doc) end
  if FINAL_AT[status] then ix_add(ix_name('final'), final_entry(doc, status == 'expired' and doc.expiresAt or NOW)) end
end

local EXPIRED_LINE
per_call(function() EXPIRED_LINE = 'expired:' .. NOW36 end)

-- Stores "expired" for a pending invite whose time has come; true if it did. expiredAt is not
-- stored: it is the invite's expiresAt.
local function expire_if_due(doc)
  if doc.status == 'pending' and not isnull(doc.expiresAt) and doc.expiresAt <= NOW then
    set_status(doc, 'expired')
    audit(doc.id, EXPIRED_LINE)
    stat('expired')
    tally('expired', doc)
    publish('invite.expired', doc.id, save(doc))
    return true
  end
  return false
end
