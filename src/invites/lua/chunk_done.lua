-- KEYS[1] the data prefix and ARGV[1] the time, as in every script (see lib.lua).
-- Marks one bulk chunk stored in every partition: its address list goes, the batch counts it.
-- ARGV: 2 batch id, 3 chunk number. Reply: 1 the first time, 0 for a repeat.
local bk = k(K.batch, ARGV[2])
if redis.call('DEL', k(K.batch, ARGV[2], K.batchChunk, ARGV[3])) == 0 then return 0 end
redis.call('HINCRBY', bk, 'chunksDone', 1)
redis.call('HSET', bk, 'status', 'running')
return 1
