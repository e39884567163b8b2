--- @include base ordered
-- Index entries (ordered.lua's buckets under P:o:NAME). A sort entry is the score (milliseconds)
-- in ten base-36 digits, or ten '~' for "never" (last), then the id without its "inv_"; its
-- order is (score, id). A filter entry is the value's length, ':', the value, then the id; a value
-- over 32 bytes is 'h:' and 20 hex digits of its SHA-1 (80 bits), so every entry fits a listpack.
local NEVER = '~~~~~~~~~~'
local ENCODED = {}
per_call(function() ENCODED = {} end)
local function enc_score(ms)
  if ms == math.huge then return NEVER end
  ms = math.max(0, math.floor(ms))
  if not ENCODED[ms] then
    local s = to36(ms)
    ENCODED[ms] = string.rep('0', 10 - #s) .. s
  end
  return ENCODED[ms]
end
local function sort_entry(score, id) return enc_score(score) .. string.sub(id, 5) end
-- An entry's score and id.
local function sort_parts(e)
  local s = string.sub(e, 1, 10)
  return (s == NEVER and math.huge or tonumber(s, 36)), 'inv_' .. string.sub(e, 11)
end
local function value_key(v)
  v = tostring(v)
  if #v > 32 then return 'h:' .. string.sub(redis.sha1hex(v), 1, 20) end
  return #v .. ':' .. v
end
local function filter_entry(v, id) return value_key(v) .. string.sub(id, 5) end
-- An index's key, built once per call (an invite's entries name the same ten indexes).
local IX_NAMES = {}
per_call(function() IX_NAMES = {} end)
local function ix_name(name)
  local key = IX_NAMES[name]
  if not key then
    key = k(K.index, name)
    IX_NAMES[name] = key
  end
  return key
end

-- Per-value indexes that the list filters use (LAYOUT.indexed: kind -> field path of one or two
-- names, where a list on the way means each of its items), each one index of filter entries;
-- every list is ordered by one of the sort indexes. Each path is split once, when the library
-- loads: walking it per invite took a third of building a new invite's entries.
local ATTRS = {}
for kind, path in pairs(LAYOUT.indexed) do
  local first, second = string.match(path, '^([^.]+)%.?([^.]*)$')
  assert(first, 'an indexed path has at most two names: ' .. path)
  ATTRS[#ATTRS + 1] = {kind, first, second ~= '' and second or nil}
end

-- Calls f(index, entry) for each filter entry of doc.
local function each_attr(doc, f)
  local tail = string.sub(doc.id, 5)
  for i = 1, #ATTRS do
    local kind, first, second = ATTRS[i][1], ATTRS[i][2], ATTRS[i][3]
    local v = doc[first]
    if not isnull(v) and second then
      if v[1] ~= nil then
        for _, item in ipairs(v) do
          local x = item[second]
          if not isnull(x) then f(ix_name(kind), value_key(x) .. tail) end
        end
      else
        v = v[second]
        if not isnull(v) then f(ix_name(kind), value_key(v) .. tail) end
      end
    elseif not isnull(v) then
      f(ix_name(kind), value_key(v) .. tail)
    end
  end
end

local function expiry_score(doc)
  if isnull(doc.expiresAt) then return math.huge end
  return doc.expiresAt
end

local function due(doc) return doc.status == 'pending' and not isnull(doc.expiresAt) end

-- An invite's expiry is in one of two indexes: 'due' while it is pending with an expiry (the
-- sweep's queue), 'expires' otherwise; the expiresAt sort walks both (queries.ts merges them), so
-- a delivered invite pays for one entry, not two.
local function expiry_index(doc) return ix_name(due(doc) and 'due' or 'expires') end
local function expiry_add(doc) ix_add(expiry_index(doc), sort_entry(expiry_score(doc), doc.id)) end
local function expiry_rem(doc) ix_rem(expiry_index(doc), sort_entry(expiry_score(doc), doc.id)) end

-- Final invites by when they became final ('final': the retention sweep's queue, INVITE_RETENTION).
-- An expired invite became final at its expiresAt (also when a sweep stored it later); the others
-- at the time their status changed, which the script records in the matching field.
-- A rejected invite became final when it was rejected: its last change, so its updatedAt.
local FINAL_AT = {
  accepted = 'acceptedAt', canceled = 'canceledAt', declined = 'declinedAt', expired = 'expiresAt', rejected = 'updatedAt',
}
local function final_entry(doc, at)
  return sort_entry(at or doc[FINAL_AT[doc.status]], doc.id)
end

-- Every index entry of a new invite, handed to add(index, entry).
local function index_all(doc, add)
  local id = doc.id
  add(ix_name('created'), sort_entry(doc.createdAt, id))
  add(ix_name('updated'), sort_entry(doc.updatedAt, id))
  add(expiry_index(doc), sort_entry(expiry_score(doc), id))
  each_attr(doc, add)
  -- Invites waiting for approval, by creation: the sweep rejects them after APPROVAL_TTL.
  if doc.status == 'pending_approval' then add(ix_name('waiting'), sort_entry(doc.createdAt, id)) end
end

-- Indexes the new invites of one call (a bulk create stores up to 500): each index's entries are
-- gathered, then added in order, a bucket's worth with one ZADD (ordered.lua's ix_add_sorted),
-- where one ZADD each cost a third of the create. The e-mail index is written at once: the next
-- invite's twin check (twins.lua) reads it.
local function index_new()
  local later, email = {}, ix_name('email')
  local add = function(L, e)
    if L == email then return ix_add(L, e) end
    later[L] = later[L] or {}
    later[L][#later[L] + 1] = e
  end
  return {
    add = function(doc) index_all(doc, add) end,
    flush = function()
      for L, es in pairs(later) do
        -- Most arrive in order (times and ids only grow; a chunk shares its role, scope and batch):
        -- a pass to check costs less than a sort through lt().
        for i = 2, #es do
          if lt(es[i], es[i - 1]) then
            table.sort(es, lt)
            break
          end
        end
        ix_add_sorted(L, es)
      end
    end,
  }
end

local function unindex_all(doc)
  local id = doc.id
  ix_rem(ix_name('created'), sort_entry(doc.createdAt, id))
  ix_rem(ix_name('updated'), sort_entry(doc.updatedAt, id))
  expiry_rem(doc)
  each_attr(doc, ix_rem)
  if doc.status == 'pending_approval' then ix_rem(ix_name('waiting'), sort_entry(doc.createdAt, id)) end
  if FINAL_AT[doc.status] and not isnull(doc[FINAL_AT[doc.status]]) then ix_rem(ix_name('final'), final_entry(doc)) end
end
