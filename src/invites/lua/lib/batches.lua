--- @include base
-- Counts the end (sent, failed or suppressed) of an invite's first send in its batch, exactly
-- once, in this partition's share of the batch: P:batch:ID holds the counters of the batch's
-- invites stored here (a batch may span partitions; its record is under the data prefix).
-- Returns true when every invite of this share has ended; the caller then checks the whole batch
-- (store.finishBatch), which no single script can see on a cluster.
local function batch_count_end(batchId, id, field)
  if isnull(batchId) or batchId == '' then return false end
  local bk = k(K.batch, batchId)
  local fin = redis.call('HGET', bk, 'finishedAt')
  if (fin and fin ~= '') or redis.call('EXISTS', bk) == 0 then return false end
  if redis.call('SADD', bk .. ':' .. K.batchEnded, id) == 0 then return false end
  redis.call('HINCRBY', bk, field, 1)
  return redis.call('SCARD', bk .. ':' .. K.batchEnded) >= tonumber(redis.call('HGET', bk, 'created') or 0)
end

-- The reply of a change that may end a batch's share: {'ok', outcome, invite or false, the batch
-- id when batch_count_end said its share here has ended, else ''}.
local function ended_reply(outcome, raw, batchId, shareDone)
  if shareDone then return {'ok', outcome, raw or false, batchId} end
  return {'ok', outcome, raw or false, ''}
end
