-- KEYS[1] the key prefix and ARGV[1] the time, as in every script (see lib.lua).
-- Reads what a send job needs in one round trip: the invite and whether its address is suppressed.
-- ARGV: 2 invite id.
-- Reply: {raw invite or false, suppression entry or false}.
local raw = redis.call('GET', k(K.invite, ARGV[2]))
if not raw then return {false, false} end
local doc = decode(raw, ARGV[2])
if isnull(doc.emailKey) then return {raw, false} end
return {raw, suppressed(doc.emailKey)}
