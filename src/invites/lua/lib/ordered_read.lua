--- @include ordered
-- Reading ordered indexes (ordered.lua): in order from an entry, merged, counted, popped.
-- The entries from `from` on (just after it when `after`), in order: a function that returns
-- the next one each call, nil at the end. Reads IX_READ entries at a time: a look-up of one value
-- (the uniqueness check) stops after a few.
local IX_READ = 24
local function ix_iter(L, from, after)
  local b = ix_bucket(L, from)
  local lo = from == '' and '-' or ((after and '(' or '[') .. from)
  local buf, pos = {}, 1
  return function()
    while pos > #buf do
      if not b then return nil end
      buf, pos = redis.call('ZRANGE', ix_key(L, b), lo, '+', 'BYLEX', 'LIMIT', 0, IX_READ), 1
      if #buf == IX_READ then lo = '(' .. buf[#buf] else b, lo = ix_next(L, b), '-' end
    end
    pos = pos + 1
    return buf[pos - 1]
  end
end

-- Hands f the entries of one or more indexes (Ls) from `from` on, merged in order (an entry in
-- two of them once), until f returns true; returns whether it did.
local function ix_walk(Ls, from, after, f)
  if type(Ls) == 'string' then Ls = {Ls} end
  if #Ls == 1 then -- the common case, without the merge's work per entry
    for e in ix_iter(Ls[1], from, after) do
      if f(e) then return true end
    end
    return false
  end
  local its, heads = {}, {}
  for i, L in ipairs(Ls) do
    its[i] = ix_iter(L, from, after)
    heads[i] = its[i]()
  end
  local last
  while true do
    local best
    for i = 1, #Ls do
      if heads[i] and (not best or lt(heads[i], heads[best])) then best = i end
    end
    if not best then return false end
    local e = heads[best]
    heads[best] = its[best]()
    if e ~= last and f(e) then return true end
    last = e
  end
end

-- The greatest entry below e, or nil.
local function ix_below(L, e)
  local b = ix_bucket(L, e)
  while true do
    local r = redis.call('ZRANGE', ix_key(L, b), '(' .. e, '-', 'BYLEX', 'REV', 'LIMIT', 0, 1)[1]
    if r then return r end
    if b == '' then return nil end
    b = ix_prev(L, b)
  end
end

-- How many entries lie in [from, to) (to: exclusive), counting whole buckets where it can; it
-- stops once past `most` (when given).
local function ix_count(L, from, to, most)
  local b, n = ix_bucket(L, from), 0
  local lo = from == '' and '-' or ('[' .. from)
  while b and not (most and n > most) do
    local nb = ix_next(L, b)
    if nb and not lt(to, nb) and lo == '-' then
      n = n + redis.call('ZCARD', ix_key(L, b))
    else
      n = n + redis.call('ZLEXCOUNT', ix_key(L, b), lo, '(' .. to)
      if not nb or not lt(nb, to) then return n end
    end
    b, lo = nb, '-'
  end
  return n
end

-- Removes and returns the first entries (up to max) for which take(e) is true, stopping at the
-- first that is not: the sweep's way through the due index, a bucket at a time.
local function ix_pop_front(L, max, take)
  IX_SEEN[L] = nil
  local out, b = {}, ''
  while b and #out < max do
    local key = ix_key(L, b)
    local es = redis.call('ZRANGE', key, 0, max - #out - 1)
    local n = 0
    for _, e in ipairs(es) do
      if not take(e) then break end
      n = n + 1
      out[#out + 1] = e
    end
    if n > 0 then redis.call('ZREMRANGEBYRANK', key, 0, n - 1) end
    if n < #es then return out end
    local nb = ix_next(L, b)
    if b ~= '' and redis.call('EXISTS', key) == 0 then redis.call('ZREM', L .. ':d', b) end
    b = nb
  end
  return out
end
