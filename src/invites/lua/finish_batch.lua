--- @include feed
-- KEYS[1] the data prefix D (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by batches.finishBatch(). Keys it may touch: P:batch:ID, P:batch:ID:ended, P:events.
-- Ends a batch when every chunk is stored and every first send has ended, publishing
-- batch.completed once. ARGV: 2 batch id, 3 totals over all partitions (JSON: created,
-- duplicates, sent, failed, suppressed), read after 4, the chunksDone the caller saw first: a
-- batch whose chunks were all stored before the totals were read has final `created` counts.
-- Reply: 1 when this call ended the batch, else 0.
local bk = k(K.batch, ARGV[2])
local h = redis.call('HMGET', bk, 'id', 'chunks', 'finishedAt', 'total', 'createdAt', 'fields')
if not h[1] or (h[3] and h[3] ~= '') then return 0 end
local t = cjson.decode(ARGV[3])
if tonumber(ARGV[4]) < tonumber(h[2]) or t.sent + t.failed + t.suppressed < t.created then return 0 end
redis.call('HSET', bk, 'status', 'done', 'finishedAt', NOW)
redis.call('DEL', bk .. ':' .. K.batchEnded)
publish('batch.completed', nil, nil, {batch = {
  id = h[1], status = 'done', total = tonumber(h[4]), created = t.created,
  duplicates = t.duplicates, sent = t.sent, failed = t.failed,
  suppressed = t.suppressed, createdAt = tonumber(h[5]), finishedAt = NOW,
  -- Its tenant, so the event reaches that tenant's feed and endpoints only (DESIGN §15).
  tenant = (h[6] and cjson.decode(h[6]).tenant) or 'default',
}})
return 1
