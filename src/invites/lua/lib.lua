-- Shared helpers, prepended to every script. ARGV[1] is the key prefix, ARGV[2] the time (ms).
-- Only src/invites (this folder and store.ts) knows the key layout.
local P = ARGV[1]
local NOW = tonumber(ARGV[2])
local NULL = cjson.null

local function isnull(v) return v == nil or v == NULL end
local function k(...) return P .. ':' .. table.concat({...}, ':') end

-- An invite is stored as one status letter followed by the rest as JSON, so that a sweep can
-- flip a status with SETRANGE instead of decoding and re-encoding the document.
local LETTER = {pending = 'P', accepted = 'A', canceled = 'C', expired = 'E'}
local STATUS = {P = 'pending', A = 'accepted', C = 'canceled', E = 'expired'}

local function decode(raw)
  local doc = cjson.decode(string.sub(raw, 2))
  doc.status = STATUS[string.sub(raw, 1, 1)]
  return doc
end

local function encode(doc)
  local status = doc.status
  doc.status = nil
  local raw = LETTER[status] .. cjson.encode(doc)
  doc.status = status
  return raw
end

local function load(id)
  local raw = redis.call('GET', k('inv', id))
  if not raw then return nil end
  return decode(raw)
end

-- Returns what it stored, so scripts can hand the new state back without another read.
local function save(doc)
  local raw = encode(doc)
  redis.call('SET', k('inv', doc.id), raw)
  return raw
end

local function event(id, ev)
  ev.at = NOW
  redis.call('RPUSH', k('ev', id), cjson.encode(ev))
end

local function stat(name, n) redis.call('HINCRBY', k('stats'), name, n or 1) end

-- The key that keeps one pending invite per (email, scope). Lengths keep "a|b"+"c" apart from "a"+"b|c".
local function uniq_key(doc)
  if isnull(doc.emailKey) then return nil end
  local st, si = '', ''
  if not isnull(doc.scope) then st, si = doc.scope.type, doc.scope.id end
  return k('uniq', doc.emailKey .. '|' .. #st .. '|' .. st .. '|' .. si)
end

-- Per-value indexes that the list filters use: membership only (score 0), since every list is
-- ordered by one of the z: sort indexes.
local function attr_keys(doc)
  local t = {}
  if not isnull(doc.emailKey) then t[#t + 1] = k('x', 'email', doc.emailKey) end
  if not isnull(doc.role) then t[#t + 1] = k('x', 'role', doc.role) end
  if not isnull(doc.inviter.id) then t[#t + 1] = k('x', 'inviter', doc.inviter.id) end
  if not isnull(doc.batchId) then t[#t + 1] = k('x', 'batch', doc.batchId) end
  if not isnull(doc.scope) then
    t[#t + 1] = k('x', 'stype', doc.scope.type)
    t[#t + 1] = k('x', 'sid', doc.scope.id)
  end
  if type(doc.acceptedBy) == 'table' then
    for _, a in ipairs(doc.acceptedBy) do
      if not isnull(a.userId) then t[#t + 1] = k('x', 'user', a.userId) end
    end
  end
  return t
end

local function expiry_score(doc)
  if isnull(doc.expiresAt) then return '+inf' end
  return doc.expiresAt
end

local function index_all(doc)
  local id = doc.id
  redis.call('ZADD', k('z', 'created'), doc.createdAt, id)
  redis.call('ZADD', k('z', 'updated'), doc.updatedAt, id)
  redis.call('ZADD', k('z', 'expires'), expiry_score(doc), id)
  redis.call('ZADD', k('x', 'status', doc.status), 0, id)
  if doc.status == 'pending' and not isnull(doc.expiresAt) then
    redis.call('ZADD', k('z', 'due'), doc.expiresAt, id)
  end
  for _, key in ipairs(attr_keys(doc)) do redis.call('ZADD', key, 0, id) end
end

local function unindex_all(doc)
  local id = doc.id
  for _, name in ipairs({'created', 'updated', 'expires', 'due'}) do redis.call('ZREM', k('z', name), id) end
  redis.call('ZREM', k('x', 'status', doc.status), id)
  for _, key in ipairs(attr_keys(doc)) do redis.call('ZREM', key, id) end
end

local function touch(doc)
  doc.updatedAt = NOW
  redis.call('ZADD', k('z', 'updated'), NOW, doc.id)
end

-- The uniqueness key lives no longer than its invite's expiry, since sweeps do not read the
-- invite to find it.
local function uniq_claim(doc)
  local u = uniq_key(doc)
  if not u then return end
  if isnull(doc.expiresAt) then redis.call('SET', u, doc.id)
  else redis.call('SET', u, doc.id, 'PXAT', string.format('%d', doc.expiresAt)) end
end

local function set_expiry(doc, expiresAt)
  doc.expiresAt = expiresAt
  redis.call('ZADD', k('z', 'expires'), expiry_score(doc), doc.id)
  if isnull(expiresAt) or doc.status ~= 'pending' then
    redis.call('ZREM', k('z', 'due'), doc.id)
  else
    redis.call('ZADD', k('z', 'due'), expiresAt, doc.id)
  end
  local u = uniq_key(doc)
  if u and doc.status == 'pending' and redis.call('GET', u) == doc.id then uniq_claim(doc) end
end

-- Moves an invite to another status in every index. Expiry is not a change anyone made, so it
-- leaves updatedAt alone (the sweep flips without reading the document at all).
local function set_status(doc, status)
  redis.call('ZREM', k('x', 'status', doc.status), doc.id)
  redis.call('ZADD', k('x', 'status', status), 0, doc.id)
  if doc.status == 'pending' and status ~= 'pending' then
    local u = uniq_key(doc)
    if u and redis.call('GET', u) == doc.id then redis.call('DEL', u) end
    redis.call('ZREM', k('z', 'due'), doc.id)
  end
  doc.status = status
  if status ~= 'expired' then touch(doc) end
end

local EXPIRED_EVENT = '{"type":"expired","at":' .. string.format('%d', NOW) .. '}'

-- Stores "expired" for a pending invite whose time has come; true if it did. expiredAt is not
-- stored: it is the invite's expiresAt.
local function expire_if_due(doc)
  if doc.status == 'pending' and not isnull(doc.expiresAt) and doc.expiresAt <= NOW then
    set_status(doc, 'expired')
    redis.call('RPUSH', k('ev', doc.id), EXPIRED_EVENT)
    stat('expired')
    save(doc)
    return true
  end
  return false
end

-- A batch is done when every chunk was created and every first send has ended.
local function batch_check_done(batchId)
  local bk = k('batch', batchId)
  local h = redis.call('HMGET', bk, 'chunks', 'chunksDone', 'created', 'sent', 'failed', 'finishedAt')
  if h[6] and h[6] ~= '' then return end
  local chunks, done = tonumber(h[1] or 0), tonumber(h[2] or 0)
  local created, sent, failed = tonumber(h[3] or 0), tonumber(h[4] or 0), tonumber(h[5] or 0)
  if done >= chunks and sent + failed >= created then
    redis.call('HSET', bk, 'status', 'done', 'finishedAt', NOW)
    redis.call('DEL', bk .. ':ended')
  end
end

-- Counts the end (sent or failed) of an invite's first send in its batch, exactly once.
local function batch_count_end(batchId, id, field)
  if isnull(batchId) or batchId == '' then return end
  local fin = redis.call('HGET', k('batch', batchId), 'finishedAt')
  if fin == false or fin ~= '' then return end -- unknown batch, or already done
  if redis.call('SADD', k('batch', batchId, 'ended'), id) == 1 then
    redis.call('HINCRBY', k('batch', batchId), field, 1)
    batch_check_done(batchId)
  end
end
