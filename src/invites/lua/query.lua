--- @include doc indexes ordered_read
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.query(). Keys it may touch: P:inv:ID, P:o:NAME:b:…, P:o:NAME:d (indexes).
-- One page of one partition's share of the invite list. ARGV: 2 spec (JSON). The spec names:
--   sort: 'created', 'updated' or 'expires' (the sort index walked; for 'expires', 'due' too,
--   which holds the expiresAt order of pending invites with an expiry: indexes.lua's expiry_index);
--   desc: boolean;
--   lo/hi: score bounds for it ('-inf'/'+inf' or milliseconds);
--   limit, budget: most matches to return (limit+1 tells "has more") and most ids to examine;
--   cursor: {score, id} or null; ids: a small candidate list, or null to walk the sort index;
--   all: {kind, value} filter entries an invite must have; statuses: allowed (effective) statuses
--   or null; createdMin/Max, expiresMin/Max: exclusive bounds or null.
-- Order: by score in the asked direction, ties always in ascending id (= creation) order.
-- Reply: {state, ids, scores, resumeScore, resumeId}; state 'more' (limit+1 found), 'end', or
-- 'budget' (call again from resume).
local s = cjson.decode(ARGV[2])
local SORTS = {ix_name(s.sort)}
local FIELD = ({created = 'createdAt', updated = 'updatedAt', expires = 'expiresAt'})[s.sort]

-- Whether an invite's effective status is one asked for, from its first letter (no decoding): a
-- pending invite past its expiry reads as expired, which needs the document only when one of
-- the two is asked for and the other not.
local WANTED = {}
if not isnull(s.statuses) then for _, st in ipairs(s.statuses) do WANTED[st] = true end end
local INV = k(K.invite, '')
local function status_wanted(id)
  local letter = redis.call('GETRANGE', INV .. id, 0, 0)
  if letter == '' then return false end
  if letter ~= 'P' then return WANTED[STATUS[letter]] == true end
  if WANTED.pending == WANTED.expired then return WANTED.pending == true end
  local doc = load(id)
  local expired = not isnull(doc.expiresAt) and doc.expiresAt <= NOW
  return WANTED[expired and 'expired' or 'pending'] == true
end

-- 'due' holds pending invites only (an expired one until it is swept): not walked when neither
-- status is asked for.
if s.sort == 'expires' and (isnull(s.statuses) or WANTED.pending or WANTED.expired) then
  SORTS[2] = ix_name('due')
end

-- The greatest entry below e in any of the walked indexes, or nil.
local function below(e)
  local best
  for _, L in ipairs(SORTS) do
    local b = ix_below(L, e)
    if b and (not best or lt(best, b)) then best = b end
  end
  return best
end

local bounded = not isnull(s.createdMin) or not isnull(s.createdMax)
  or not isnull(s.expiresMin) or not isnull(s.expiresMax)

local function matches(id)
  for _, f in ipairs(s.all) do
    if not ix_has(ix_name(f.kind), filter_entry(f.value, id)) then return false end
  end
  if not isnull(s.statuses) and not status_wanted(id) then return false end
  if not bounded then return true end
  local doc = load(id)
  if not doc then return false end
  local c = doc.createdAt
  if not isnull(s.createdMin) and c <= s.createdMin then return false end
  if not isnull(s.createdMax) and c >= s.createdMax then return false end
  if not isnull(s.expiresMin) or not isnull(s.expiresMax) then
    local e = doc.expiresAt
    if isnull(e) then return false end
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
  return lt(ia, ib)
end

local function fmt(x)
  if x == math.huge then return '+inf' elseif x == -math.huge then return '-inf' end
  return string.format('%.17g', x)
end

local lo, hi = tonumber(s.lo), tonumber(s.hi)
local out_ids, out_scores = {}, {}
local want = s.limit + 1

-- Small candidate list: score, filter, sort, cut.
if not isnull(s.ids) then
  local rows = {}
  for _, id in ipairs(s.ids) do
    local doc = load(id)
    local sc = doc and (isnull(doc[FIELD]) and math.huge or doc[FIELD])
    if sc and sc >= lo and sc <= hi and matches(id) then
      if isnull(s.cursor) or before(tonumber(s.cursor.score), s.cursor.id, sc, id) then
        rows[#rows + 1] = {sc, id}
      end
    end
  end
  table.sort(rows, function(a, b) return before(a[1], a[2], b[1], b[2]) end)
  for i = 1, math.min(want, #rows) do
    out_ids[i], out_scores[i] = rows[i][2], fmt(rows[i][1])
  end
  return {'end', out_ids, out_scores, '', ''}
end

-- Walk the sort index. Each entry examined is offered to take(); it answers true to stop.
local examined, state, resume = 0, 'end', nil
local function take(sc, id)
  examined = examined + 1
  if matches(id) then
    out_ids[#out_ids + 1], out_scores[#out_scores + 1] = id, fmt(sc)
    if #out_ids >= want then
      state = 'more'
      return true
    end
  end
  if examined >= s.budget then
    state, resume = 'budget', {sc, id}
    return true
  end
  return false
end

if not s.desc then
  local from, after = '', false
  if not isnull(s.cursor) then
    from, after = sort_entry(tonumber(s.cursor.score), s.cursor.id), true
  elseif lo > -math.huge then
    from = enc_score(math.max(0, math.ceil(lo)))
  end
  ix_walk(SORTS, from, after, function(e)
    local sc, id = sort_parts(e)
    if sc > hi then return true end
    if sc < lo then return false end
    return take(sc, id)
  end)
else
  -- Score groups from the highest down; inside a group, ascending id (a walk up from its start).
  local g, afterId
  if not isnull(s.cursor) then
    g, afterId = tonumber(s.cursor.score), s.cursor.id
  else
    local top = hi == math.huge and '\255' or (enc_score(math.floor(hi)) .. '\255')
    local e = below(top)
    g = e and sort_parts(e)
  end
  while g and g >= lo and g <= hi do
    local prefix = enc_score(g)
    local from = afterId and sort_entry(g, afterId) or prefix
    local stopped = ix_walk(SORTS, from, afterId ~= nil, function(e)
      if string.sub(e, 1, 10) ~= prefix then return 'next' end
      local sc, id = sort_parts(e)
      return take(sc, id)
    end)
    if stopped and state ~= 'end' then break end
    local e = below(prefix)
    g, afterId = e and sort_parts(e), nil
  end
end
if state == 'budget' then return {'budget', out_ids, out_scores, fmt(resume[1]), resume[2]} end
return {state, out_ids, out_scores, '', ''}
