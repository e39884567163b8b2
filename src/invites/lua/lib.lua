-- Shared helpers, prepended to every script (after LAYOUT, see store.ts). KEYS[1] is the prefix
-- of the partition the script works in (a hash tag: "{herald}", or "{herald:3}" with several
-- partitions; the data prefix for chunk_done and finish_batch), ARGV[1] the time (ms). Every key
-- a script touches is built from it, so all of them live in one hash slot: on a Redis Cluster the
-- call is routed by KEYS[1] to the master that holds them all. The names match src/keys.ts's
-- partitionKeys and dataKeys.
local P = KEYS[1]
local NOW = tonumber(ARGV[1])
local NULL = cjson.null

local function isnull(v) return v == nil or v == NULL end
local function k(...) return P .. ':' .. table.concat({...}, ':') end
-- The names of a partition's keys (src/keys.ts's PARTITION_KEYS, handed in as LAYOUT.keys).
local K = LAYOUT.keys

-- A whole number >= 0 in base 36: times in stored invites, trail lines and events take 8
-- characters (until 2059) where decimal milliseconds took 13. Read back with tonumber(s, 36).
local B36 = '0123456789abcdefghijklmnopqrstuvwxyz'
local TO36 = {} -- a script writes a few distinct times many times (NOW, one expiry)
local function to36(n)
  if TO36[n] then return TO36[n] end
  local t, m = {}, n
  repeat
    local d = m % 36
    t[#t + 1] = string.sub(B36, d + 1, d + 1)
    m = (m - d) / 36
  until m == 0
  TO36[n] = string.reverse(table.concat(t))
  return TO36[n]
end
local NOW36 = to36(math.max(0, math.floor(NOW or 0)))

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
local ITEM_LONG = invert(LAYOUT.items.acceptedBy)
local NO_DEFAULTS = {}

local function is_empty_list(v) return type(v) == 'table' and next(v) == nil end

local TIMES = {}
for _, name in ipairs(LAYOUT.times) do TIMES[name] = true end
local function is_time(key, v) return TIMES[key] and type(v) == 'number' and v >= 0 and v == math.floor(v) end

-- Long names to short, leaving out nulls and values equal to their default; times in base 36.
local function squeeze(obj, names, defaults)
  local out = {}
  for key, v in pairs(obj) do
    local d = defaults[key]
    local dropped = v == NULL or (d ~= nil and (v == d or (is_empty_list(d) and is_empty_list(v))))
    if not dropped then out[names[key] or key] = is_time(key, v) and to36(v) or v end
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
  for key, d in pairs(defaults) do
    if out[key] == nil then
      if type(d) == 'table' then out[key] = {} else out[key] = d end
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

-- `id`: the invite's id, which its key holds and the document leaves out.
local function decode(raw, id)
  local doc = expand(cjson.decode(string.sub((split(raw)), 2)), TOP_LONG, LAYOUT.defaults)
  for name, n in pairs(LAYOUT.nested) do
    if type(doc[name]) == 'table' then doc[name] = expand(doc[name], NESTED_LONG[name], n.defaults) end
  end
  for i, a in ipairs(doc.acceptedBy) do doc.acceptedBy[i] = expand(a, ITEM_LONG, {userId = NULL, email = NULL}) end
  if doc.emailKey == nil then doc.emailKey = doc.email end
  doc.id = id
  doc.status = STATUS[string.sub(raw, 1, 1)]
  return doc
end

local function encode(doc)
  local status = doc.status
  doc.status = nil
  local out = squeeze(doc, LAYOUT.top, LAYOUT.defaults)
  doc.status = status
  for name, n in pairs(LAYOUT.nested) do
    local short = LAYOUT.top[name]
    if type(out[short]) == 'table' then out[short] = squeeze(out[short], n.names, n.defaults) end
  end
  local ab = out[LAYOUT.top.acceptedBy]
  if ab then
    local items = {}
    for i, a in ipairs(ab) do items[i] = squeeze(a, LAYOUT.items.acceptedBy, NO_DEFAULTS) end
    out[LAYOUT.top.acceptedBy] = items
  end
  if doc.emailKey == doc.email then out[LAYOUT.top.emailKey] = nil end
  out[LAYOUT.top.id] = nil -- the key holds it
  return LETTER[status] .. cjson.encode(out)
end

-- What each invite's key holds as this script last read or wrote it (false: nothing), so that a
-- change that loads, adds to the trail and saves reads a large invite once.
local HELD = {}
local function held(id)
  if HELD[id] == nil then HELD[id] = redis.call('GET', k(K.invite, id)) end
  return HELD[id]
end
local function hold(id, value)
  HELD[id] = value
  if value then redis.call('SET', k(K.invite, id), value) else redis.call('DEL', k(K.invite, id)) end
end

local function load(id)
  local raw = held(id)
  if not raw then return nil end
  return decode(raw, id)
end

-- Stores the document, keeping the trail that follows it. Returns the document as stored (no
-- trail), so scripts can hand the new state back without another read.
local function save(doc)
  local raw = encode(doc)
  local cur = held(doc.id)
  local trail = cur and select(2, split(cur)) or ''
  hold(doc.id, trail == '' and raw or (raw .. '\n' .. trail))
  return raw
end

-- The audit trail: a line per entry, "<type>:<at in base 36>" and, when the entry says more, a
-- space and the rest as JSON (cjson escapes newlines). It is kept in the invite's own key after its document (a key of its own cost about 90 bytes
-- more), where lines leave out what the invite holds: a "created" line its batch id, the last
-- "sent" line its message id (the next send writes it in, sent_line); lines that leave the key
-- have them written in (spelled_out). Older lines live in P:ev:ID: a deleted invite's trail
-- (trail_detach), the lines of an invite with a long history (past TRAIL_KEPT bytes they move
-- there, so an open invite accepted by thousands does not rewrite them all on every change).
-- Readers take P:ev:ID first, then the lines in the invite's key.
local TRAIL_KEPT = 2048

-- The batch id in a stored invite's text, or nil. The quoted key can only occur as a key
-- (quotes inside JSON strings are escaped); a plain find, then an anchored match.
local function batch_of(text)
  local b = string.find(text, '"bt":"', 1, true)
  return b and string.match(text, '^bat_[%w_]+', b + 6)
end

-- The "sent" line that left out its message id, with m written in (the lines unchanged when none did).
local function sent_filled(lines, m)
  if isnull(m) or not string.find(lines, 'sent:%w+ {"seq":%d+}') then return lines end
  local out = string.gsub('\n' .. lines, '\n(sent:%w+) {"seq":(%d+)}', function(head, seq)
    return '\n' .. head .. ' ' .. cjson.encode({seq = tonumber(seq), messageId = m})
  end)
  return string.sub(out, 2)
end

-- Trail lines about to leave the invite's key (doc_text: its document), with what they left out.
local function spelled_out(doc_text, lines)
  local batch = batch_of(doc_text)
  if batch then lines = string.gsub(lines, '^(created:%w+)\n', '%1 {"batchId":"' .. batch .. '"}\n', 1) end
  if string.find(lines, 'sent:%w+ {"seq":%d+}') then lines = sent_filled(lines, decode(doc_text).delivery.messageId) end
  return lines
end

local function detached_add(id, lines) redis.call('APPEND', k(K.trail, id), lines) end

local function audit(id, line)
  local cur = held(id)
  if not cur then return detached_add(id, line .. '\n') end
  local doc, trail = split(cur)
  -- The lines there leave first, read against the document they were written with.
  if trail ~= '' and #trail + #line >= TRAIL_KEPT then
    detached_add(id, spelled_out(doc, trail))
    trail = ''
  end
  hold(id, doc .. '\n' .. trail .. line .. '\n')
end

-- Moves an invite's trail to P:ev:ID, before the invite itself goes (delete.lua).
local function trail_detach(id)
  local cur = held(id)
  if not cur then return end
  local doc, trail = split(cur)
  if trail ~= '' then detached_add(id, spelled_out(doc, trail)) end
end

local function event(id, ev)
  local t = ev.type
  ev.type = nil
  local line = t .. ':' .. NOW36
  if next(ev) ~= nil then line = line .. ' ' .. cjson.encode(ev) end
  audit(id, line)
end

-- A send's trail line, leaving out its message id (the invite's from now on); `previous`, the
-- invite's message id until now, is written into the line of the send before.
local function sent_line(id, seq, previous)
  local cur = held(id)
  if cur then
    local doc, trail = split(cur)
    local filled = sent_filled(trail, previous)
    if filled ~= trail then HELD[id] = doc .. '\n' .. filled end -- audit writes it
  end
  event(id, {type = 'sent', seq = seq})
end

-- Code look-ups, digest -> id, in hashes that each hold the digests of one two-character start
-- (4,096 per partition), so each stays a small listpack: about 50 bytes a code where a key of its
-- own took 120.
local function code_bucket(digest) return k(K.codes, string.sub(digest, 1, 2)) end
local function code_owner(digest) return redis.call('HGET', code_bucket(digest), digest) end
local function code_set(digest, id) redis.call('HSET', code_bucket(digest), digest, id) end
-- False when the digest leads to an invite already.
local function code_claim(digest, id)
  if code_owner(digest) then return false end
  code_set(digest, id)
  return true
end
local function code_drop(digest) redis.call('HDEL', code_bucket(digest), digest) end

-- Sends recorded as queued, by when: a sweep finds those whose job was lost and queues them again.
local function queued_add(id) redis.call('ZADD', k(K.queued), NOW, id) end
local function queued_done(id) redis.call('ZREM', k(K.queued), id) end

-- The event feed (DESIGN §10): one stream entry per change, added by the same script as the
-- change, so no change can happen without its event (and no event without its change).
-- Fields: e or t the type, a the time, i the invite's id (see publish), inv the invite as stored
-- after the change (without salt and digest), x further data (JSON). Stream ids give the order; the event id is derived from them.
-- The invite in an event leaves out its salt and digest: the feed never shows the code, and the
-- stream keeps a copy per event. (Base64url values, and quotes inside JSON strings are escaped,
-- so the patterns match only these keys.)
local function snapshot(raw)
  local out, n = string.gsub((split(raw)), '"sa":"[^"]*",', '', 1)
  if n == 0 then out = string.gsub(out, ',"sa":"[^"]*"', '', 1) end
  out, n = string.gsub(out, '"dg":"[^"]*",', '', 1)
  if n == 0 then out = string.gsub(out, ',"dg":"[^"]*"', '', 1) end
  return out
end

-- An invite's event is written short (e: the type without "invite.", a: the time in base 36,
-- i: the id without "inv_"); other events spell the type out (t).
local function publish(type, id, raw, extra)
  if raw then raw = snapshot(raw) end
  local args = {'XADD', k(K.events), '*'}
  local short = string.match(type, '^invite%.(.+)$')
  if short then
    args[4], args[5], args[6], args[7] = 'e', short, 'a', NOW36
  else
    args[4], args[5], args[6], args[7] = 't', type, 'a', NOW36
  end
  if id then args[#args + 1] = 'i'; args[#args + 1] = string.sub(id, 5) end
  if raw then args[#args + 1] = 'inv'; args[#args + 1] = raw end
  if extra and next(extra) ~= nil then args[#args + 1] = 'x'; args[#args + 1] = cjson.encode(extra) end
  return redis.call(unpack(args))
end

-- The suppression list (DESIGN §11): one entry per address (by its lowercase key), with a
-- time-ordered index overall and per reason.
local function suppression(emailKey) return redis.call('HGET', k(K.suppressions), emailKey) end
-- An erased address (DESIGN §18) stays suppressed as a digest only: field '#' .. sha1(key).
local function erased_field(emailKey) return '#' .. redis.sha1hex(emailKey) end
-- Whether an address may not be mailed: its entry, or the digest its erasure left.
local function suppressed(emailKey)
  return suppression(emailKey) or redis.call('HGET', k(K.suppressions), erased_field(emailKey))
end

-- Adds an address to the suppression list unless it is there; returns the entry and whether it is new.
local function suppress(email, emailKey, reason, detail)
  local existing = suppressed(emailKey)
  if existing then return existing, false end
  local rec = {email = email, reason = reason, detail = detail or NULL, createdAt = NOW}
  local raw = cjson.encode(rec)
  redis.call('HSET', k(K.suppressions), emailKey, raw)
  redis.call('ZADD', k(K.suppressionOrder), NOW, emailKey)
  redis.call('ZADD', k(K.suppressionOrder, reason), NOW, emailKey)
  publish('suppression.created', nil, nil, {suppression = rec})
  return raw, true
end

-- The reason given with X-Audit-Log-Reason, as event data (nothing when none was given).
local function with_reason(reason)
  if reason == nil or reason == '' then return nil end
  return {reason = reason}
end

local function stat(name, n) redis.call('HINCRBY', k(K.stats), name, n or 1) end

-- Funnel counts for GET /v1/stats (DESIGN §13), moved in the same script as the change: one hash
-- per hour, a field per metric overall, per scope type, per scope and per batch. The scope key
-- carries the type's length so "a" + "bc" and "ab" + "c" stay apart.
local function tally_fields(metric, doc, add)
  add(metric)
  if not isnull(doc.scope) then
    add(metric .. '|t' .. doc.scope.type)
    add(metric .. '|s' .. #doc.scope.type .. ':' .. doc.scope.type .. doc.scope.id)
  end
  if not isnull(doc.batchId) then add(metric .. '|b' .. doc.batchId) end
end
local function tally_key() return k(K.hourly, string.format('%d', NOW - NOW % 3600000)) end

local function tally(metric, doc)
  local hk = tally_key()
  tally_fields(metric, doc, function(f) redis.call('HINCRBY', hk, f, 1) end)
end

-- The scope and batch of a stored invite without decoding all of it (a sweep flips many): the
-- quoted key names can only occur as keys, since quotes inside JSON strings are escaped; the
-- scope object ends at its first '}' outside a string. Returns the scope's JSON text (or '')
-- and the batch id (or nil): a cheap signature that sweeps use to reuse decoded dimensions.
local function dims_text(raw)
  -- Plain finds and anchored matches: an unanchored pattern would be tried at every position.
  -- LAYOUT's names: "bt" is batchId, "sc" the scope ({"t": type, "i": id}).
  local batch = batch_of(raw)
  local start = string.find(raw, '"sc":{', 1, true)
  if not start then return '', batch end
  local i, quoted = start + 6, false
  while true do
    i = string.find(raw, '[\\"}]', i)
    if not i then return '', batch end
    local c = string.byte(raw, i)
    if c == 92 then i = i + 2 -- a backslash escapes the next character
    else
      if c == 34 then quoted = not quoted
      elseif not quoted then return string.sub(raw, start + 5, i), batch end
      i = i + 1
    end
  end
end

-- For scripts that count many changes (a sweep): sums in memory, one HINCRBY per field at the end.
local function tally_batch()
  local sums, known = {}, {}
  local add = function(f) sums[f] = (sums[f] or 0) + 1 end
  return {
    count = function(metric, doc) tally_fields(metric, doc, add) end,
    -- Counts a stored invite by its raw text; invites of one scope and batch share the work.
    count_raw = function(metric, raw)
      local scope, batch = dims_text(raw)
      local byBatch = known[scope]
      if not byBatch then
        byBatch = {}
        known[scope] = byBatch
      end
      local fields = byBatch[batch or '']
      if not fields then
        fields = {}
        local dims = {scope = NULL, batchId = batch or NULL}
        if scope ~= '' then
          local sc = cjson.decode(scope)
          dims.scope = {type = sc.t, id = sc.i}
        end
        tally_fields(metric, dims, function(f) fields[#fields + 1] = f end)
        byBatch[batch or ''] = fields
      end
      for _, f in ipairs(fields) do sums[f] = (sums[f] or 0) + 1 end
    end,
    flush = function()
      local hk = tally_key()
      for f, n in pairs(sums) do redis.call('HINCRBY', hk, f, n) end
    end,
  }
end

-- Index entries (index.lua's buckets under P:o:NAME). A sort entry is the score (milliseconds)
-- in ten base-36 digits, or ten '~' for "never" (last), then the id without its "inv_"; its
-- order is (score, id). A filter entry is the value's length, ':', the value, then the id; a value
-- over 32 bytes is 'h:' and 20 hex digits of its SHA-1 (80 bits), so every entry fits a listpack.
local NEVER = '~~~~~~~~~~'
local ENCODED = {}
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
local function ix_name(name) return k(K.index, name) end

-- Per-value indexes that the list filters use (LAYOUT.indexed: kind -> field path, where a list
-- on the way means each of its items), each one index of filter entries; every list is ordered
-- by one of the sort indexes.
local function values_at(v, path, i, out)
  if isnull(v) then return end
  if i > #path then
    out[#out + 1] = v
  elseif v[1] ~= nil then
    for _, item in ipairs(v) do values_at(item, path, i, out) end
  else
    values_at(v[path[i]], path, i + 1, out)
  end
end
local INDEXED = {}
for kind, path in pairs(LAYOUT.indexed) do
  local parts = {}
  for p in string.gmatch(path, '[^.]+') do parts[#parts + 1] = p end
  INDEXED[kind] = parts
end

-- Calls f(index, entry) for each filter entry of doc.
local function each_attr(doc, f)
  for kind, path in pairs(INDEXED) do
    local vals = {}
    values_at(doc, path, 1, vals)
    for _, v in ipairs(vals) do f(ix_name(kind), filter_entry(v, doc.id)) end
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
local FINAL_AT = {accepted = 'acceptedAt', canceled = 'canceledAt', declined = 'declinedAt', expired = 'expiresAt'}
local function final_entry(doc, at)
  return sort_entry(at or doc[FINAL_AT[doc.status]], doc.id)
end

local function index_all(doc)
  local id = doc.id
  ix_add(ix_name('created'), sort_entry(doc.createdAt, id))
  ix_add(ix_name('updated'), sort_entry(doc.updatedAt, id))
  expiry_add(doc)
  each_attr(doc, ix_add)
end

local function unindex_all(doc)
  local id = doc.id
  ix_rem(ix_name('created'), sort_entry(doc.createdAt, id))
  ix_rem(ix_name('updated'), sort_entry(doc.updatedAt, id))
  expiry_rem(doc)
  each_attr(doc, ix_rem)
  if FINAL_AT[doc.status] and not isnull(doc[FINAL_AT[doc.status]]) then ix_rem(ix_name('final'), final_entry(doc)) end
end

-- Removes an invite with its trail, every index entry, its code look-up and any queued-send
-- record (retention and erasure: neither leaves a trail line or an event).
local function remove_invite(doc)
  unindex_all(doc)
  code_drop(doc.digest)
  queued_done(doc.id)
  hold(doc.id, false)
  redis.call('DEL', k(K.trail, doc.id))
end

local function touch(doc)
  ix_rem(ix_name('updated'), sort_entry(doc.updatedAt, doc.id))
  doc.updatedAt = NOW
  ix_add(ix_name('updated'), sort_entry(NOW, doc.id))
end

local function set_expiry(doc, expiresAt)
  expiry_rem(doc)
  doc.expiresAt = expiresAt
  expiry_add(doc)
end

-- Moves an invite to another status (the status has no index: a list reads the invite's first
-- letter; its expiry moves between 'due' and 'expires'). Expiry is not a change anyone made, so
-- it leaves updatedAt alone (the sweep flips without reading the document at all).
local function set_status(doc, status)
  local moves = due(doc) ~= (status == 'pending' and not isnull(doc.expiresAt))
  if moves then expiry_rem(doc) end
  doc.status = status
  if moves then expiry_add(doc) end
  if status ~= 'expired' then touch(doc) end
  if FINAL_AT[status] then ix_add(ix_name('final'), final_entry(doc, status == 'expired' and doc.expiresAt or NOW)) end
end

local EXPIRED_LINE = 'expired:' .. NOW36

-- Stores "expired" for a pending invite whose time has come; true if it did. expiredAt is not
-- stored: it is the invite's expiresAt.
local function expire_if_due(doc)
  if doc.status == 'pending' and not isnull(doc.expiresAt) and doc.expiresAt <= NOW then
    set_status(doc, 'expired')
    audit(doc.id, EXPIRED_LINE)
    stat('expired')
    tally('expired', doc)
    publish('invite.expired', doc.id, save(doc))
    return true
  end
  return false
end

-- The pending invite with doc's address and scope, if any (DESIGN §4: one per pair). Found
-- through the address's entries in the e-mail index, a few at most, so the pair needs no key of
-- its own; an invite whose time has passed is stored as expired on the way.
local function pending_twin(doc)
  if isnull(doc.emailKey) then return nil end
  local pre = value_key(doc.emailKey)
  local st = isnull(doc.scope) and '' or (#doc.scope.type .. ':' .. doc.scope.type .. doc.scope.id)
  local found = nil
  ix_walk(ix_name('email'), pre, false, function(e)
    if string.sub(e, 1, #pre) ~= pre then return true end
    local other = load('inv_' .. string.sub(e, #pre + 1))
    if other and other.status == 'pending' and other.emailKey == doc.emailKey then
      local ot = isnull(other.scope) and '' or (#other.scope.type .. ':' .. other.scope.type .. other.scope.id)
      if ot == st and not expire_if_due(other) then
        found = other.id
        return true
      end
    end
  end)
  return found
end

-- Counts the end (sent, failed or suppressed) of an invite's first send in its batch, exactly
-- once, in this partition's share of the batch: P:batch:ID holds the counters of the batch's
-- invites stored here (a batch may span partitions; its record is under the data prefix).
-- Returns true when every invite of this share has ended; the caller then checks the whole batch
-- (store.finishBatch), which no single script can see on a cluster.
local function batch_count_end(batchId, id, field)
  if isnull(batchId) or batchId == '' then return false end
  local bk = k(K.batch, batchId)
  local fin = redis.call('HGET', bk, 'finishedAt')
  if (fin and fin ~= '') or redis.call('EXISTS', bk) == 0 then return false end
  if redis.call('SADD', bk .. ':' .. K.batchEnded, id) == 0 then return false end
  redis.call('HINCRBY', bk, field, 1)
  return redis.call('SCARD', bk .. ':' .. K.batchEnded) >= tonumber(redis.call('HGET', bk, 'created') or 0)
end

-- The reply of a change that may end a batch's share: {'ok', outcome, invite or false, the batch
-- id when batch_count_end said its share here has ended, else ''}.
local function ended_reply(outcome, raw, batchId, shareDone)
  if shareDone then return {'ok', outcome, raw or false, batchId} end
  return {'ok', outcome, raw or false, ''}
end
