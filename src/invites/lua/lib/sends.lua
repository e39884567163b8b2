--- @include base
-- Sends recorded as queued, by when: a sweep finds those whose job was lost and queues them again.
local function queued_add(id) redis.call('ZADD', k(K.queued), NOW, id) end
local function queued_done(id) redis.call('ZREM', k(K.queued), id) end
