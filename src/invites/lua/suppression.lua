--- @include suppressions
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.suppression(). Keys it may touch: P:events, P:sup, P:z:sup[:t:TENANT][:REASON].
-- Adds, changes or removes one tenant's suppression list entry.
-- ARGV: 2 'put', 'add' (only if absent) or 'delete', 3 the address as given,
-- 4 its lowercase key, 5 reason, 6 detail or '', 7 tenant.
-- Reply: {'ok', 'created' | 'updated' | 'exists' | 'deleted', entry JSON} or {'err', 'suppression_not_found'}.
local op, email, emailKey, reason, detail, tenant = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local existing = suppression(tenant, emailKey)
if op == 'delete' then
  -- Deleting lifts the tenant's own entry and a shared bounce: the mailbox is said to work again.
  local shared = redis.call('HGET', k(K.suppressions), shared_field(emailKey))
  if not existing and not shared then return {'err', 'suppression_not_found'} end
  local rec = cjson.decode(existing or shared)
  if existing then sup_remove(tenant, emailKey, rec) end
  if shared then redis.call('HDEL', k(K.suppressions), shared_field(emailKey)) end
  publish('suppression.deleted', nil, nil, {suppression = rec})
  return {'ok', 'deleted', existing or shared}
end
if existing and op == 'add' then return {'ok', 'exists', existing} end
if existing then
  local rec = cjson.decode(existing)
  sup_remove(tenant, emailKey, rec)
  rec.reason = reason
  if detail ~= '' then rec.detail = detail end
  return {'ok', 'updated', sup_write(tenant, emailKey, rec)}
end
return {'ok', 'created', sup_create(tenant, email, emailKey, reason, detail ~= '' and detail or nil)}
