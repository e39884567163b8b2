--- @include base
-- An invite is stored as one status letter followed by the rest as JSON, so that a sweep can
-- flip a status without decoding and re-encoding the document. The JSON uses the
-- short names of LAYOUT (src/invites/layout.ts, prepended to every script by store.ts) and leaves
-- out nulls and defaults.
local LETTER = LAYOUT.letters -- status -> letter (schema.ts's STATUS_LETTERS)
local STATUS = {}
for status, letter in pairs(LETTER) do STATUS[letter] = status end

local function invert(t)
  local r = {}
  for long, short in pairs(t) do r[short] = long end
  return r
end
local TOP_LONG = invert(LAYOUT.top)
local NESTED_LONG = {}
for name, n in pairs(LAYOUT.nested) do NESTED_LONG[name] = invert(n.names) end
-- acceptedBy items are read and written field by field, not through expand and squeeze: an open
-- invite may hold thousands, and each accept decodes and encodes them all.
local ITEM = LAYOUT.items.acceptedBy
local function item_in(a)
  local at = a[ITEM.at]
  if type(at) == 'string' then at = tonumber(at, 36) end
  local userId, email = a[ITEM.userId], a[ITEM.email]
  return {userId = userId == nil and NULL or userId, email = email == nil and NULL or email, at = at}
end
local function item_out(a)
  local out, at = {}, a.at
  if a.userId ~= NULL then out[ITEM.userId] = a.userId end
  if a.email ~= NULL then out[ITEM.email] = a.email end
  if type(at) == 'number' and at >= 0 and at == math.floor(at) then at = to36(at) end
  out[ITEM.at] = at
  return out
end

-- Decoding and encoding run for every invite a script reads or writes (a delivery does both):
-- globals as locals, no helper calls per field, and each defaults table walked as a list.
local type, next, pairs, tonumber, floor = type, next, pairs, tonumber, math.floor

local TIMES = {}
for _, name in ipairs(LAYOUT.times) do TIMES[name] = true end

-- Each defaults table's entries as {name, value, is a list}, listed the first time it is used.
local FILLS = {}
local function fills(defaults)
  local f = FILLS[defaults]
  if not f then
    f = {}
    for key, d in pairs(defaults) do f[#f + 1] = {key, d, type(d) == 'table'} end
    FILLS[defaults] = f
  end
  return f
end

-- Long names to short, leaving out nulls and values equal to their default (an empty list for an
-- empty-list default); times in base 36.
local function squeeze(obj, names, defaults)
  local out = {}
  for key, v in pairs(obj) do
    if v ~= NULL then
      local d = defaults[key]
      local keep = d == nil or (v ~= d and not (type(d) == 'table' and next(d) == nil and type(v) == 'table' and next(v) == nil))
      if keep then
        if TIMES[key] and type(v) == 'number' and v >= 0 and v == floor(v) then v = to36(v) end
        out[names[key] or key] = v
      end
    end
  end
  return out
end

-- Short names to long, with the defaults filled in (a fresh table for a list); times read back.
local function expand(obj, long, defaults)
  local out = {}
  for key, v in pairs(obj) do
    local name = long[key] or key
    if TIMES[name] and type(v) == 'string' then v = tonumber(v, 36) end
    out[name] = v
  end
  local f = fills(defaults)
  for i = 1, #f do
    local e = f[i]
    if out[e[1]] == nil then
      if e[3] then out[e[1]] = {} else out[e[1]] = e[2] end
    end
  end
  return out
end

-- An invite's key holds the document and, after a newline, its audit trail (see audit): the
-- document part and the trail ('' or lines, each ending with a newline).
local function split(raw)
  local nl = string.find(raw, '\n', 1, true)
  if not nl then return raw, '' end
  return string.sub(raw, 1, nl - 1), string.sub(raw, nl + 1)
end

-- The trail alone ('' or lines), without copying the document: a large invite is copied into a
-- new Lua string by every sub and concatenation, ~100 µs each at 100 KB.
local function trail_of(raw)
  local nl = string.find(raw, '\n', 1, true)
  return nl and string.sub(raw, nl + 1) or ''
end

-- `id`: the invite's id, which its key holds and the document leaves out.
local function decode(raw, id)
  local doc = expand(cjson.decode(string.sub((split(raw)), 2)), TOP_LONG, LAYOUT.defaults)
  for name, n in pairs(LAYOUT.nested) do
    if type(doc[name]) == 'table' then doc[name] = expand(doc[name], NESTED_LONG[name], n.defaults) end
  end
  for i, a in ipairs(doc.acceptedBy) do doc.acceptedBy[i] = item_in(a) end
  if doc.emailKey == nil then doc.emailKey = doc.email end
  doc.id = id
  doc.status = STATUS[string.sub(raw, 1, 1)]
  return doc
end

-- acceptedBy is written last, after the other fields, so that an accept of an open invite with
-- thousands of uses appends to it as text (decode_open) instead of decoding and encoding them all:
-- 30 ms of Redis per accept at 10,000 uses (bench/popular.ts). The key can only be found where it
-- is a key: no nested object or item has a field of that name, and quotes inside strings are escaped.
local AB = LAYOUT.top.acceptedBy
local AB_KEY = ',"' .. AB .. '":['
for _, n in pairs(LAYOUT.nested) do
  for _, short in pairs(n.names) do assert(short ~= AB, 'a nested field is named like acceptedBy') end
end
for _, short in pairs(ITEM) do assert(short ~= AB, 'an acceptedBy field is named like the list') end
-- It is the one list of objects among an invite's fields (the other, reminders, holds numbers),
-- so a document that ends with `}]}` has it last, which the accept's reads check (ab_last).
for name in pairs(LAYOUT.items) do assert(name == 'acceptedBy', 'a second list of objects: ' .. name) end
-- Where acceptedBy starts in text (at its leading comma) when it is the last field of the
-- document ending at `last`; else nil. The find meets the key where the head ends.
local function ab_last(text, last)
  if string.sub(text, last - 2, last) ~= '}]}' then return nil end
  local at = string.find(text, AB_KEY, 1, true)
  if at and at < last then return at end
  return nil
end
-- A document's earlier uses kept as text (decode_open), by the list table that holds the new ones.
local EARLIER = {}
per_call(function() EARLIER = {} end)

local function encode(doc)
  local status = doc.status
  doc.status = nil
  local out = squeeze(doc, LAYOUT.top, LAYOUT.defaults)
  doc.status = status
  for name, n in pairs(LAYOUT.nested) do
    local short = LAYOUT.top[name]
    if type(out[short]) == 'table' then out[short] = squeeze(out[short], n.names, n.defaults) end
  end
  -- The list as `[` and its items without the closing bracket: the earlier ones (decode_open's
  -- text), then the new ones; written with the rest in one concatenation.
  local ab, list = out[AB], EARLIER[doc.acceptedBy]
  out[AB] = nil
  if ab then
    local items = {}
    for i, a in ipairs(ab) do items[i] = item_out(a) end
    local text = cjson.encode(items)
    if list then
      list = list .. ',' .. string.sub(text, 2, -2)
    else
      list = string.sub(text, 1, -2)
    end
  end
  if doc.emailKey == doc.email then out[LAYOUT.top.emailKey] = nil end
  out[LAYOUT.top.id] = nil -- the key holds it
  local text = cjson.encode(out)
  if not list then return LETTER[status] .. text end
  return LETTER[status] .. string.sub(text, 1, -2) .. (text == '{}' and '"' or ',"') .. AB .. '":' .. list .. ']}'
end

-- decode, for an accept: when the stored document is an open invite whose acceptedBy is its last
-- field, the earlier uses stay JSON text (`[` and the items, returned second), doc.acceptedBy
-- holds only what the call adds, and encode writes both. Otherwise decode's document and nil.
-- Positions are found in raw itself (the document, then its trail): one copy of the list.
local function decode_open(raw, id)
  local last = (string.find(raw, '\n', 1, true) or (#raw + 1)) - 1
  local at = ab_last(raw, last)
  if not at then return decode(raw, id), nil end
  local doc = decode(string.sub(raw, 1, at - 1) .. '}', id)
  -- An invite bound to an address compares every use with the caller: it reads them all.
  if not isnull(doc.emailKey) then return decode(raw, id), nil end
  local earlier = string.sub(raw, at + #AB_KEY - 1, last - 2)
  EARLIER[doc.acceptedBy] = earlier
  return doc, earlier
end


-- The batch id in a stored invite's text, or nil. The quoted key can only occur as a key
-- (quotes inside JSON strings are escaped); a plain find, then an anchored match.
local function batch_of(text)
  local b = string.find(text, '"bt":"', 1, true)
  return b and string.match(text, '^bat_[%w_]+', b + 6)
end

-- The tenant in a stored invite's text ('default' when it holds none), found as batch_of finds
-- the batch: tenant ids are [a-z0-9-] only.
local function tenant_of(text)
  local t = string.find(text, '"tn":"', 1, true)
  return (t and string.match(text, '^[a-z0-9-]+', t + 6)) or 'default'
end
