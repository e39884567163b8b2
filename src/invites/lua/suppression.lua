-- Adds, changes or removes one suppression list entry.
-- KEYS: none (prefix-built, see lib.lua). ARGV: 3 'put', 'add' (only if absent) or 'delete', 4 the address as given,
-- 5 its lowercase key, 6 reason, 7 detail or ''.
-- Reply: {'ok', 'created' | 'updated' | 'exists' | 'deleted', entry JSON} or {'err', 'suppression_not_found'}.
local op, email, emailKey, reason, detail = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local existing = suppression(emailKey)
if op == 'delete' then
  if not existing then return {'err', 'suppression_not_found'} end
  local rec = cjson.decode(existing)
  redis.call('HDEL', k('sup'), emailKey)
  redis.call('ZREM', k('z', 'sup'), emailKey)
  redis.call('ZREM', k('z', 'sup', rec.reason), emailKey)
  publish('suppression.deleted', nil, nil, {suppression = rec})
  return {'ok', 'deleted', existing}
end
if existing and op == 'add' then return {'ok', 'exists', existing} end
if existing then
  local rec = cjson.decode(existing)
  redis.call('ZREM', k('z', 'sup', rec.reason), emailKey)
  rec.reason = reason
  if detail ~= '' then rec.detail = detail end
  local raw = cjson.encode(rec)
  redis.call('HSET', k('sup'), emailKey, raw)
  redis.call('ZADD', k('z', 'sup', reason), rec.createdAt, emailKey)
  return {'ok', 'updated', raw}
end
local raw = suppress(email, emailKey, reason, detail ~= '' and detail or nil)
return {'ok', 'created', raw}
