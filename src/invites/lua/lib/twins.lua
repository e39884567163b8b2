--- @include lifecycle ordered_read
-- The pending invite with doc's address and scope in its tenant, if any (DESIGN §4: one per pair). Found
-- through the address's entries in the e-mail index, a few at most, so the pair needs no key of
-- its own; an invite whose time has passed is stored as expired on the way.
local function pending_twin(doc)
  if isnull(doc.emailKey) then return nil end
  local pre = value_key(doc.emailKey)
  local st = isnull(doc.scope) and '' or (#doc.scope.type .. ':' .. doc.scope.type .. doc.scope.id)
  local found = nil
  ix_walk(ix_name('email'), pre, false, function(e)
    if string.sub(e, 1, #pre) ~= pre then return true end
    local other = load('inv_' .. string.sub(e, #pre + 1))
    -- A waiting invite holds the pair as a pending one does.
    local open = other and (other.status == 'pending' or other.status == 'pending_approval')
    -- One per pair within a tenant (DESIGN §15): another tenant's invite is not a twin.
    if open and other.emailKey == doc.emailKey and other.tenant == doc.tenant then
      local ot = isnull(other.scope) and '' or (#other.scope.type .. ':' .. other.scope.type .. other.scope.id)
      if ot == st and not expire_if_due(other) then
        found = other.id
        return true
      end
    end
  end)
  return found
end
