--- @include lifecycle
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.patch(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:stats, P:st:HOUR, P:events.
-- ARGV: 2 id, 3 patch (JSON; only the keys to change), 4 reason or ''.
local doc = load(ARGV[2])
if not doc then return {'err', 'invite_not_found'} end
if expire_if_due(doc) or doc.status ~= 'pending' then return {'err', 'invite_not_pending'} end
local patch = cjson.decode(ARGV[3])
if patch.maxUses ~= nil and patch.maxUses > 0 and patch.maxUses <= doc.uses then
  return {'err', 'max_uses_below_uses'}
end
local changed = {}
if patch.role ~= nil then
  if not isnull(doc.role) then ix_rem(ix_name('role'), filter_entry(doc.role, doc.id)) end
  doc.role = patch.role
  if not isnull(doc.role) then ix_add(ix_name('role'), filter_entry(doc.role, doc.id)) end
  changed[#changed + 1] = 'role'
end
if patch.expiresAt ~= nil then
  set_expiry(doc, patch.expiresAt)
  changed[#changed + 1] = 'expiresAt'
end
for _, f in ipairs({'maxUses', 'metadata', 'redirectUrl'}) do
  if patch[f] ~= nil then
    doc[f] = patch[f]
    changed[#changed + 1] = f
  end
end
local ev = {type = 'updated', fields = changed}
if ARGV[4] ~= '' then ev.reason = ARGV[4] end
event(doc.id, ev)
touch(doc)
return {'ok', 'updated', save(doc)}
