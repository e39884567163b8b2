-- Ordered indexes in buckets: adding and removing entries (reading them: ordered_read.lua).
-- An index L holds distinct strings ("entries", built by indexes.lua's entry helpers) in byte order.
-- Redis keeps a sorted set of at most 128 short members as one listpack, about 30 bytes a
-- member, but a larger one as a skiplist and hash table, about 120: so an index is cut into
-- buckets of at most IX_MAX entries, each a sorted set with every score 0 (ordered by member,
-- read with BYLEX ranges). The first bucket is L:b: ; every other is L:b:<its lowest entry when it
-- was made>, and the directory L:d (a sorted set, scores 0) holds those names. An entry belongs to
-- the bucket with the greatest name not above it. All keys share L's hash tag.
-- Callers pass entries of at most 64 bytes (Redis' listpack limit for a member). IX_MAX: 123
-- sort entries (29 bytes, 33 in a listpack) fill 4,066 bytes of a 4,096-byte allocation; a bucket
-- briefly holds IX_MAX + 1 before it splits, still under the 128 members of a listpack (a set
-- past that limit would stay a skiplist after it shrank).
local IX_MAX = 123

local function ix_key(L, b) return L .. ':b:' .. b end

-- The name of the bucket that holds (or would hold) entry e.
local function ix_bucket(L, e)
  if e == '' then return '' end
  return redis.call('ZRANGE', L .. ':d', '[' .. e, '-', 'BYLEX', 'REV', 'LIMIT', 0, 1)[1] or ''
end

-- The bucket after b, or nil.
local function ix_next(L, b)
  return redis.call('ZRANGE', L .. ':d', b == '' and '-' or ('(' .. b), '+', 'BYLEX', 'LIMIT', 0, 1)[1]
end

-- The bucket before b (b not the first).
local function ix_prev(L, b)
  return redis.call('ZRANGE', L .. ':d', '(' .. b, '-', 'BYLEX', 'REV', 'LIMIT', 0, 1)[1] or ''
end

-- Within one script, the bucket each index was last written in: its name b, the next bucket's
-- name nb (false: none; nil: not read yet) and its size n (nil: not known). A bulk create adds
-- many neighbouring entries (ids and times only grow), so most find their bucket here and cost
-- one call instead of three. Every change to a bucket or the directory keeps this true or drops it.
local IX_SEEN = {}
per_call(function() IX_SEEN = {} end)
local function ix_locate(L, e)
  local c = IX_SEEN[L]
  if c and not lt(e, c.b) then
    if c.nb == nil then c.nb = ix_next(L, c.b) or false end
    if c.nb == false or lt(e, c.nb) then return c end
  end
  c = {b = ix_bucket(L, e)}
  IX_SEEN[L] = c
  return c
end

-- Adds e to the bucket c (ix_locate's) that holds it.
local function ix_add_at(L, c, e)
  local key = ix_key(L, c.b)
  if redis.call('ZADD', key, 0, e) == 0 then return end
  c.n = c.n and c.n + 1 or redis.call('ZCARD', key)
  local n = c.n
  if n <= IX_MAX then return end
  if redis.call('ZRANGE', key, -1, -1)[1] == e then
    -- An append (times and ids only grow): e starts the next bucket, this one stays full, so
    -- buckets filled in order are full rather than half full.
    redis.call('ZREM', key, e)
    redis.call('ZADD', ix_key(L, e), 0, e)
    redis.call('ZADD', L .. ':d', 0, e)
    IX_SEEN[L] = {b = e, nb = c.nb, n = 1}
    return
  end
  IX_SEEN[L] = nil
  -- Split off the upper half as a bucket of its own, named after its lowest entry.
  local upper = redis.call('ZRANGE', key, math.floor(n / 2), -1)
  local args = {'ZADD', ix_key(L, upper[1])}
  for _, m in ipairs(upper) do
    args[#args + 1] = 0
    args[#args + 1] = m
  end
  redis.call(unpack(args))
  redis.call('ZREMRANGEBYRANK', key, math.floor(n / 2), -1)
  redis.call('ZADD', L .. ':d', 0, upper[1])
end

local function ix_add(L, e) return ix_add_at(L, ix_locate(L, e), e) end

-- Adds entries given in ascending order, those that fit in one bucket with one ZADD (the sweep
-- moves hundreds of neighbours a call); at a full bucket, one at a time, which splits it.
local function ix_add_sorted(L, es)
  local i = 1
  while i <= #es do
    local c = ix_locate(L, es[i])
    if c.nb == nil then c.nb = ix_next(L, c.b) or false end
    local key = ix_key(L, c.b)
    c.n = c.n or redis.call('ZCARD', key)
    local args, j = {'ZADD', key}, i
    while j <= #es and c.n + (j - i) < IX_MAX and (c.nb == false or lt(es[j], c.nb)) do
      args[#args + 1] = 0
      args[#args + 1] = es[j]
      j = j + 1
    end
    if j == i then
      ix_add(L, es[i])
      i = i + 1
    else
      c.n = c.n + redis.call(unpack(args))
      i = j
    end
  end
end

local function ix_rem(L, e)
  local c = ix_locate(L, e)
  local key = ix_key(L, c.b)
  if redis.call('ZREM', key, e) == 0 then return end
  if c.n then c.n = c.n - 1 end
  -- An emptied bucket is gone from Redis; its name leaves the directory (the first stays implied).
  if c.b ~= '' and redis.call('EXISTS', key) == 0 then
    redis.call('ZREM', L .. ':d', c.b)
    IX_SEEN[L] = nil
  end
end

-- Moves an entry from `from` to `to` (an invite's updatedAt moving to now). `to` is located with
-- one directory read rather than through the cache, whose next-bucket read only pays off for runs
-- of neighbours; the emptied-bucket check is skipped when `to` lands in the same bucket: five or
-- six calls where a remove and an add took seven (a delivery's touch ~17 -> ~13 µs, 2026-12-06).
local function ix_move(L, from, to)
  local b = ix_bucket(L, from)
  local key = ix_key(L, b)
  local removed = redis.call('ZREM', key, from) == 1
  local c = {b = ix_bucket(L, to)} -- its next bucket unread (nb nil), its size unknown
  IX_SEEN[L] = c
  if removed and c.b ~= b and b ~= '' and redis.call('EXISTS', key) == 0 then
    redis.call('ZREM', L .. ':d', b)
  end
  ix_add_at(L, c, to)
end

local function ix_has(L, e) return redis.call('ZSCORE', ix_key(L, ix_locate(L, e).b), e) ~= false end
