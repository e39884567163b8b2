-- KEYS[1] the key prefix and ARGV[1] the time, as in every script (see lib.lua).
-- One page of the invite list. ARGV: 2 spec (JSON). The spec names:
--   sort: sorted set whose score is the sort key; desc: boolean; lo/hi: score bounds for it;
--   limit, budget: most matches to return (limit+1 tells "has more") and most ids to examine;
--   cursor: {score, id} or null; ids: a small candidate list, or null to walk `sort` in order;
--   all: sets an id must be in; statuses: allowed (effective) statuses or null, read from each
--   invite's first letter;
--   createdMin/Max, expiresMin/Max: exclusive bounds or null.
-- Order: by score in the asked direction, ties always in ascending id (= creation) order.
-- Returns {state, ids, scores, resumeScore, resumeId}; state 'budget' means call again from resume.
local s = cjson.decode(ARGV[2])
local D = s.sort

local function score(key, id)
  local v = redis.call('ZSCORE', key, id)
  if not v then return nil end
  return tonumber(v)
end

-- Whether an invite's effective status is one asked for, from its first letter: a pending invite
-- past its expiry reads as expired, which needs its expiry only when one of the two is asked for.
local WANTED = {}
if not isnull(s.statuses) then for _, st in ipairs(s.statuses) do WANTED[st] = true end end
local INV, EXPIRES = k('inv', ''), k('z', 'expires')
local function status_wanted(id)
  local letter = redis.call('GETRANGE', INV .. id, 0, 0)
  if letter ~= 'P' then return WANTED[STATUS[letter]] == true end
  if WANTED.pending == WANTED.expired then return WANTED.pending == true end
  local e = score(EXPIRES, id)
  return WANTED[(e and e <= NOW) and 'expired' or 'pending'] == true
end

local function matches(id)
  for _, key in ipairs(s.all) do
    if not redis.call('ZSCORE', key, id) then return false end
  end
  if not isnull(s.statuses) and not status_wanted(id) then return false end
  if not isnull(s.createdMin) or not isnull(s.createdMax) then
    local c = score(k('z', 'created'), id)
    if c == nil then return false end
    if not isnull(s.createdMin) and c <= s.createdMin then return false end
    if not isnull(s.createdMax) and c >= s.createdMax then return false end
  end
  if not isnull(s.expiresMin) or not isnull(s.expiresMax) then
    local e = score(k('z', 'expires'), id)
    if e == nil or e == math.huge then return false end
    if not isnull(s.expiresMin) and e <= s.expiresMin then return false end
    if not isnull(s.expiresMax) and e >= s.expiresMax then return false end
  end
  return true
end

-- (a before b) in the page order
local function before(sa, ia, sb, ib)
  if sa ~= sb then
    if s.desc then return sa > sb end
    return sa < sb
  end
  return ia < ib
end

local lo, hi = tonumber(s.lo), tonumber(s.hi)
local out_ids, out_scores = {}, {}
local want = s.limit + 1

-- Small candidate list: score, filter, sort, cut.
if not isnull(s.ids) then
  local rows = {}
  for _, id in ipairs(s.ids) do
    local sc = score(D, id)
    if sc and sc >= lo and sc <= hi and matches(id) then
      if isnull(s.cursor) or before(tonumber(s.cursor.score), s.cursor.id, sc, id) then
        rows[#rows + 1] = {sc, id}
      end
    end
  end
  table.sort(rows, function(a, b) return before(a[1], a[2], b[1], b[2]) end)
  for i = 1, math.min(want, #rows) do
    out_ids[i], out_scores[i] = rows[i][2], tostring(rows[i][1])
  end
  return {'end', out_ids, out_scores, '', ''}
end

-- Walk the sorted set one score group at a time; inside a group, by rank (ascending id).
local function fmt(x)
  if x == math.huge then return '+inf' elseif x == -math.huge then return '-inf' end
  return string.format('%.17g', x)
end
local function next_group(after)
  local r
  if s.desc then
    r = redis.call('ZRANGE', D, after and ('(' .. fmt(after)) or fmt(hi), fmt(lo), 'BYSCORE', 'REV', 'LIMIT', 0, 1, 'WITHSCORES')
  else
    r = redis.call('ZRANGE', D, after and ('(' .. fmt(after)) or fmt(lo), fmt(hi), 'BYSCORE', 'LIMIT', 0, 1, 'WITHSCORES')
  end
  if #r == 0 then return nil end
  return tonumber(r[2])
end

local g, afterId
if isnull(s.cursor) then
  g = next_group(nil)
else
  g, afterId = tonumber(s.cursor.score), s.cursor.id
  if g < lo or g > hi then g = nil end
end
local examined, CHUNK = 0, 100
while g do
  -- rank where this group's remaining members start
  local start = redis.call('ZCOUNT', D, '-inf', '(' .. fmt(g))
  if afterId then
    local r = redis.call('ZRANK', D, afterId)
    if r and score(D, afterId) == g then
      start = r + 1
    else
      for _, id in ipairs(redis.call('ZRANGE', D, fmt(g), fmt(g), 'BYSCORE')) do
        if id <= afterId then start = start + 1 end
      end
    end
  end
  local group_done = false
  while not group_done do
    local rows = redis.call('ZRANGE', D, start, start + CHUNK - 1, 'WITHSCORES')
    if #rows < 2 * CHUNK then group_done = true end
    for i = 1, #rows, 2 do
      local id, sc = rows[i], tonumber(rows[i + 1])
      if sc ~= g then group_done = true break end
      examined = examined + 1
      afterId = id
      start = start + 1
      if matches(id) then
        out_ids[#out_ids + 1], out_scores[#out_scores + 1] = id, fmt(sc)
        if #out_ids >= want then return {'more', out_ids, out_scores, '', ''} end
      end
      if examined >= s.budget then return {'budget', out_ids, out_scores, fmt(g), afterId} end
    end
  end
  g = next_group(g)
  afterId = nil
end
return {'end', out_ids, out_scores, '', ''}
