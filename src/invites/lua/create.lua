-- KEYS[1] the key prefix and ARGV[1] the time, as in every script (see lib.lua).
-- Stores new invites. ARGV: 2 docs (JSON array, each with a `digest`), 3 chunk key or '',
-- 4 result key or '', 5 batch id or ''. A chunk is processed once: its email list is deleted in
-- the same script, and a retry gets the first run's results back.
local docs = cjson.decode(ARGV[2])
local chunkKey, resKey, batchId = ARGV[3], ARGV[4], ARGV[5]
if chunkKey ~= '' and redis.call('EXISTS', chunkKey) == 0 then
  return {'done', redis.call('LRANGE', resKey, 0, -1)}
end
-- Codes are 72 random bits, so a clash is next to impossible; checking first keeps the script
-- all-or-nothing if one ever happens (the caller draws new salts and calls again).
for _, doc in ipairs(docs) do
  if redis.call('EXISTS', k('code', doc.digest)) == 1 then return {'collision', doc.id} end
end
local out, created, dups = {}, 0, 0
for _, doc in ipairs(docs) do
  local u = uniq_key(doc)
  local existing = u and redis.call('GET', u)
  if existing then
    local other = load(existing)
    if other == nil or other.status ~= 'pending' or expire_if_due(other) then
      redis.call('DEL', u)
      existing = false
    end
  end
  if existing then
    out[#out + 1] = 'dup:' .. existing
    dups = dups + 1
  else
    redis.call('SET', k('code', doc.digest), doc.id)
    uniq_claim(doc)
    local raw = save(doc)
    index_all(doc)
    publish('invite.created', doc.id, raw)
    tally('created', doc)
    local ev = {type = 'created'}
    if not isnull(doc.batchId) then ev.batchId = doc.batchId end
    event(doc.id, ev)
    if doc.delivery.status == 'queued' or doc.delivery.status == 'scheduled' then
      event(doc.id, {type = 'queued', seq = 1})
      queued_add(doc.id)
    end
    out[#out + 1] = 'ok:' .. doc.id
    created = created + 1
  end
end
stat('created', created)
if chunkKey ~= '' then
  redis.call('DEL', chunkKey)
  local ok = {}
  for _, r in ipairs(out) do if string.sub(r, 1, 3) == 'ok:' then ok[#ok + 1] = r end end
  if #ok > 0 then
    redis.call('RPUSH', resKey, unpack(ok))
    redis.call('EXPIRE', resKey, 86400)
  end
  local bk = k('batch', batchId)
  redis.call('HINCRBY', bk, 'created', created)
  redis.call('HINCRBY', bk, 'duplicates', dups)
  redis.call('HINCRBY', bk, 'chunksDone', 1)
  redis.call('HSET', bk, 'status', 'running')
  batch_check_done(batchId)
end
return {'new', out}
