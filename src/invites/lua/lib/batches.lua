--- @include base
-- Counts the end (sent, failed or suppressed) of an invite's first send in its batch, exactly
-- once, in this partition's share of the batch: P:batch:ID holds the counters of the batch's
-- invites stored here (a batch may span partitions; its record is under the data prefix).
-- Returns true when every invite of this share has ended; the caller then checks the whole batch
-- (store.finishBatch), which no single script can see on a cluster.
local function batch_count_end(batchId, id, field)
  if isnull(batchId) or batchId == '' then return false end
  local bk = k(K.batch, batchId)
  -- No `created`: no share here (create.lua counts it, 0 included, before any of its invites can
  -- end), or the batch is gone; a finished batch counts nothing more.
  local got = redis.call('HMGET', bk, 'finishedAt', 'created')
  if (got[1] and got[1] ~= '') or not got[2] then return false end
  if redis.call('SADD', bk .. ':' .. K.batchEnded, id) == 0 then return false end
  redis.call('HINCRBY', bk, field, 1)
  return redis.call('SCARD', bk .. ':' .. K.batchEnded) >= tonumber(got[2])
end

-- The reply of a change that may end a batch's share: {'ok', outcome, invite or false, the batch
-- id when batch_count_end said its share here has ended, else ''}.
local function ended_reply(outcome, raw, batchId, shareDone)
  if shareDone then return {'ok', outcome, raw or false, batchId} end
  return {'ok', outcome, raw or false, ''}
end
