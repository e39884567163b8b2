--- @include base
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.settleQueued(). Keys it may touch: P:z:queued.
-- Settles entries of the queued-sends index that a repair pass looked at.
-- ARGV: 2 'drop' or 'bump', then pairs of id and the
-- score that was read. An entry whose score changed since (a newer send was queued) is left alone.
-- drop removes the entry; bump moves it to now, so the next pass looks at others first.
-- Reply: the number of entries changed.
local mode, n = ARGV[2], 0
for i = 3, #ARGV, 2 do
  local id, seen = ARGV[i], ARGV[i + 1]
  if redis.call('ZSCORE', k(K.queued), id) == seen then
    if mode == 'drop' then redis.call('ZREM', k(K.queued), id)
    else redis.call('ZADD', k(K.queued), NOW, id) end
    n = n + 1
  end
end
return n
