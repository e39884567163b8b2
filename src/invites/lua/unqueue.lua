-- Settles entries of the queued-sends index that a repair pass looked at.
-- KEYS: none (prefix-built, see lib.lua). ARGV: 3 'drop' or 'bump', then pairs of id and the
-- score that was read. An entry whose score changed since (a newer send was queued) is left alone.
-- drop removes the entry; bump moves it to now, so the next pass looks at others first.
-- Reply: the number of entries changed.
local mode, n = ARGV[3], 0
for i = 4, #ARGV, 2 do
  local id, seen = ARGV[i], ARGV[i + 1]
  if redis.call('ZSCORE', k('z', 'queued'), id) == seen then
    if mode == 'drop' then redis.call('ZREM', k('z', 'queued'), id)
    else redis.call('ZADD', k('z', 'queued'), NOW, id) end
    n = n + 1
  end
end
return n
