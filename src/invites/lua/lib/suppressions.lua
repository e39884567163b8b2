--- @include feed
-- The suppression list (DESIGN §11, §15): one entry per tenant and address (field: the lowercase
-- address, prefixed 'TENANT|' outside tenant default), with a time-ordered index per tenant,
-- overall and per reason. Bounces are shared: a bounce also leaves the field '!' .. address,
-- which every tenant's sends honour.
local function sup_field(tenant, emailKey)
  if tenant == 'default' then return emailKey end
  return tenant .. '|' .. emailKey
end
local function sup_order(tenant, reason)
  local name = K.suppressionOrder
  if tenant ~= 'default' then name = name .. ':t:' .. tenant end
  if reason then name = name .. ':' .. reason end
  return k(name)
end
local function shared_field(emailKey) return '!' .. emailKey end
-- An erased address (DESIGN §18) stays suppressed as a digest only: field '#' .. sha1(field).
local function erased_field(field) return '#' .. redis.sha1hex(field) end
-- A tenant's own entry for an address.
local function suppression(tenant, emailKey) return redis.call('HGET', k(K.suppressions), sup_field(tenant, emailKey)) end
-- What a tenant sees for an address: its own entry, else a shared bounce.
local function suppression_seen(tenant, emailKey)
  local own, shared = unpack(redis.call('HMGET', k(K.suppressions), sup_field(tenant, emailKey), shared_field(emailKey)))
  return own or shared
end
-- Whether an address may not be mailed by a tenant: its entry, a shared bounce, or the digest an erasure left.
local function suppressed(tenant, emailKey)
  local own, shared = sup_field(tenant, emailKey), shared_field(emailKey)
  local found = redis.call('HMGET', k(K.suppressions), own, shared, erased_field(own), erased_field(shared))
  return found[1] or found[2] or found[3] or found[4]
end

-- Indexes and writes a tenant's entry (a table) under NOW or its own time.
local function sup_write(tenant, emailKey, rec)
  local raw = cjson.encode(rec)
  redis.call('HSET', k(K.suppressions), sup_field(tenant, emailKey), raw)
  redis.call('ZADD', sup_order(tenant), rec.createdAt, emailKey)
  redis.call('ZADD', sup_order(tenant, rec.reason), rec.createdAt, emailKey)
  return raw
end
-- Removes a tenant's entry (a table) and its index entries.
local function sup_remove(tenant, emailKey, rec)
  redis.call('HDEL', k(K.suppressions), sup_field(tenant, emailKey))
  redis.call('ZREM', sup_order(tenant), emailKey)
  redis.call('ZREM', sup_order(tenant, rec.reason), emailKey)
end

-- A new entry in a tenant's list (a bounce is shared too); returns it.
local function sup_create(tenant, email, emailKey, reason, detail)
  local rec = {email = email, reason = reason, detail = detail or NULL, createdAt = NOW}
  if tenant ~= 'default' then rec.tenant = tenant end
  local raw = sup_write(tenant, emailKey, rec)
  if reason == 'bounce' then redis.call('HSET', k(K.suppressions), shared_field(emailKey), raw) end
  publish('suppression.created', nil, nil, {suppression = rec})
  return raw
end

-- Adds an address to a tenant's list unless it may not be mailed already. Returns the entry and
-- whether it is new.
local function suppress(tenant, email, emailKey, reason, detail)
  local existing = suppressed(tenant, emailKey)
  if existing then return existing, false end
  return sup_create(tenant, email, emailKey, reason, detail), true
end
