--- @include counters_bulk twins
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.create(). Keys it may touch: P:inv:ID, P:ev:ID, P:codes:XX, P:o:NAME:b:…, P:o:NAME:d (indexes), P:z:queued, P:batch:ID, P:batch:ID:done:N, P:stats, P:st:HOUR, P:events.
-- Stores new invites, all in this partition. ARGV: 2 docs (JSON array, each with a `digest`),
-- 3 batch id or '', 4 chunk number or ''. A bulk chunk's share in this partition is stored once:
-- its results are kept under P:batch:ID:done:N (a day, or until the batch ends), and a retry
-- gets them back.
-- Reply: {'new', results} ('ok:ID' or 'dup:EXISTING_ID' per doc), {'done', the first run's
-- 'ok:ID's}, or {'collision', id} when a code digest is taken (draw new salts).
local docs = cjson.decode(ARGV[2])
local batchId, chunk = ARGV[3], ARGV[4]
local doneKey = chunk ~= '' and k(K.batch, batchId, K.batchDone, chunk)
if doneKey and redis.call('EXISTS', doneKey) == 1 then
  return {'done', cjson.decode(redis.call('GET', doneKey))}
end
-- Codes are 72 random bits, so a clash is next to impossible; checking first keeps the script
-- all-or-nothing if one ever happens (the caller draws new salts and calls again).
for _, doc in ipairs(docs) do
  if code_owner(doc.digest) then return {'collision', doc.id} end
end
local out, created, dups = {}, 0, 0
local tallies = tally_batch() -- a chunk's invites share their counters' fields: one HINCRBY each
local indexed = index_new()
for _, doc in ipairs(docs) do
  local existing = pending_twin(doc)
  if existing then
    out[#out + 1] = 'dup:' .. existing
    dups = dups + 1
  else
    code_set(doc.digest, doc.id)
    local raw = save(doc)
    indexed.add(doc)
    publish('invite.created', doc.id, raw)
    tallies.count('created', doc)
    event(doc.id, {type = 'created'}) -- its batch id is the invite's (see trail.lua's audit)
    if doc.status == 'pending_approval' then
      event(doc.id, {type = 'approval_requested'})
      publish('invite.approval_requested', doc.id, raw)
    end
    if doc.delivery.status == 'queued' or doc.delivery.status == 'scheduled' then
      event(doc.id, {type = 'queued', seq = 1})
      queued_add(doc.id)
    end
    out[#out + 1] = 'ok:' .. doc.id
    created = created + 1
  end
end
stat('created', created)
tallies.flush()
indexed.flush()
if doneKey then
  local ok = {}
  for _, r in ipairs(out) do if string.sub(r, 1, 3) == 'ok:' then ok[#ok + 1] = r end end
  -- An empty Lua table encodes as {}: kept as a string that decodes to an empty list.
  redis.call('SET', doneKey, #ok > 0 and cjson.encode(ok) or '[]', 'EX', 86400)
  local bk = k(K.batch, batchId)
  redis.call('HINCRBY', bk, 'created', created)
  redis.call('HINCRBY', bk, 'duplicates', dups)
end
return {'new', out}
