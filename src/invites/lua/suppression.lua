--- @include suppressions
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.suppression(). Keys it may touch: P:events, P:sup, P:z:sup[:REASON].
-- Adds, changes or removes one suppression list entry.
-- ARGV: 2 'put', 'add' (only if absent) or 'delete', 3 the address as given,
-- 4 its lowercase key, 5 reason, 6 detail or ''.
-- Reply: {'ok', 'created' | 'updated' | 'exists' | 'deleted', entry JSON} or {'err', 'suppression_not_found'}.
local op, email, emailKey, reason, detail = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local existing = suppression(emailKey)
if op == 'delete' then
  if not existing then return {'err', 'suppression_not_found'} end
  local rec = cjson.decode(existing)
  redis.call('HDEL', k(K.suppressions), emailKey)
  redis.call('ZREM', k(K.suppressionOrder), emailKey)
  redis.call('ZREM', k(K.suppressionOrder, rec.reason), emailKey)
  publish('suppression.deleted', nil, nil, {suppression = rec})
  return {'ok', 'deleted', existing}
end
if existing and op == 'add' then return {'ok', 'exists', existing} end
if existing then
  local rec = cjson.decode(existing)
  redis.call('ZREM', k(K.suppressionOrder, rec.reason), emailKey)
  rec.reason = reason
  if detail ~= '' then rec.detail = detail end
  local raw = cjson.encode(rec)
  redis.call('HSET', k(K.suppressions), emailKey, raw)
  redis.call('ZADD', k(K.suppressionOrder, reason), rec.createdAt, emailKey)
  return {'ok', 'updated', raw}
end
local raw = suppress(email, emailKey, reason, detail ~= '' and detail or nil)
return {'ok', 'created', raw}
