--- @include feed
-- The suppression list (DESIGN §11): one entry per address (by its lowercase key), with a
-- time-ordered index overall and per reason.
local function suppression(emailKey) return redis.call('HGET', k(K.suppressions), emailKey) end
-- An erased address (DESIGN §18) stays suppressed as a digest only: field '#' .. sha1(key).
local function erased_field(emailKey) return '#' .. redis.sha1hex(emailKey) end
-- Whether an address may not be mailed: its entry, or the digest its erasure left.
local function suppressed(emailKey)
  return suppression(emailKey) or redis.call('HGET', k(K.suppressions), erased_field(emailKey))
end

-- Adds an address to the suppression list unless it is there; returns the entry and whether it is new.
local function suppress(email, emailKey, reason, detail)
  local existing = suppressed(emailKey)
  if existing then return existing, false end
  local rec = {email = email, reason = reason, detail = detail or NULL, createdAt = NOW}
  local raw = cjson.encode(rec)
  redis.call('HSET', k(K.suppressions), emailKey, raw)
  redis.call('ZADD', k(K.suppressionOrder), NOW, emailKey)
  redis.call('ZADD', k(K.suppressionOrder, reason), NOW, emailKey)
  publish('suppression.created', nil, nil, {suppression = rec})
  return raw, true
end
