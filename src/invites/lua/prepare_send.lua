--- @include suppressions
-- KEYS[1] the partition prefix P (every key below is built from it, so all share its slot); ARGV[1] the time.
-- Called by store.prepareSend(). Keys it may touch: P:inv:ID, P:events, P:sup, P:z:sup[:t:TENANT][:REASON].
-- Reads what a send job needs in one round trip: the invite and whether its address is suppressed.
-- ARGV: 2 invite id.
-- Reply: {raw invite or false, suppression entry or false}.
local raw = redis.call('GET', k(K.invite, ARGV[2]))
if not raw then return {false, false} end
local doc = decode(raw, ARGV[2])
if isnull(doc.emailKey) then return {raw, false} end
return {raw, suppressed(doc.tenant, doc.emailKey)}
