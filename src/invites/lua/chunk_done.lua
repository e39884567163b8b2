--- @include base
-- KEYS[1] the data prefix D (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by batches.chunkDone(). Keys it may touch: P:batch:ID, P:batch:ID:chunk:N.
-- Marks one bulk chunk stored in every partition: its address list goes, the batch counts it.
-- ARGV: 2 batch id, 3 chunk number. Reply: 1 the first time, 0 for a repeat.
local bk = k(K.batch, ARGV[2])
if redis.call('DEL', k(K.batch, ARGV[2], K.batchChunk, ARGV[3])) == 0 then return 0 end
redis.call('HINCRBY', bk, 'chunksDone', 1)
redis.call('HSET', bk, 'status', 'running')
return 1
