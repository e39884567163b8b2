--- @include codec
-- The event feed (DESIGN §10): one stream entry per change, added by the same script as the
-- change, so no change can happen without its event (and no event without its change).
-- Fields: e or t the type, a the time, i the invite's id (see publish), inv the invite as stored
-- after the change (without salt and digest), x further data (JSON). Stream ids give the order; the event id is derived from them.
-- The invite in an event leaves out its salt and digest: the feed never shows the code, and the
-- stream keeps a copy per event. Base64url values, and quotes inside JSON strings are escaped,
-- so a plain find of the quoted key meets only that key (plain finds: gsub's pattern matching
-- over the whole document cost a publish ~5 µs).
local function without(text, key)
  local a = string.find(text, key, 1, true)
  if not a then return text end
  local b = string.find(text, '"', a + #key, true)
  if string.sub(text, b + 1, b + 1) == ',' then return string.sub(text, 1, a - 1) .. string.sub(text, b + 2) end
  return string.sub(text, 1, a - 2) .. string.sub(text, b + 1)
end
-- With acceptedBy last (codec.lua's ab_last), the two are cut from the fields before it and the
-- list is copied once: an open invite's document may hold thousands of uses.
local function snapshot(raw)
  local text = (split(raw))
  local at = ab_last(text, #text)
  if not at then return without(without(text, '"sa":"'), '"dg":"') end
  local head = without(without(string.sub(text, 1, at - 1) .. '}', '"sa":"'), '"dg":"')
  return string.sub(head, 1, -2) .. string.sub(text, at)
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

-- The reason given with X-Audit-Log-Reason, as event data (nothing when none was given).
local function with_reason(reason)
  if reason == nil or reason == '' then return nil end
  return {reason = reason}
end
