// The Lua codec inside Redis: decoding a stored invite (lib/codec.lua's decode: cjson, long
// names, defaults, times) and encoding it back, against cjson alone on the same text, 5,000 times
// in one EVAL each, timed with Redis' own clock. A delivery does both once per message.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { LAYOUT } from '../src/invites/layout.js';
import { luaLiteral } from '../src/invites/lua-source.js';
import { benchRedis, median, report, round } from './lib.js';

const N = 5000;
const lib = (m: string) =>
  readFileSync(new URL(`../src/invites/lua/lib/${m}.lua`, import.meta.url), 'utf8').replace(
    /^--- @include .+$/m,
    '',
  );
// A delivered invite as Redis holds it (document, then its trail).
const stored =
  'P{"c":"mxc5kcxp","r":"member","e":"p8@example.com","d":{"a":1,"ls":"mxc5kcz1","s":"sent","lq":"mxc5kcxp","qs":1,"m":"<inv_0mxc5kcxp0008gi5fgd.1@localhost>","ss":1,"n":1},"v":{},"x":"mxm5nbla","dg":"axkEm-Wm94PG5kHKXjgqTi","sa":"Ge8g3wNMAgm52wDH","tv":"invite/en@0","bt":"bat_0mxc5kcxa0000vn53gd","up":"mxc5kcz1"}\ncreated:mxc5kcxp\n';
const script = [
  'local RAW = ARGV[1]', // before base.lua's own ARGV
  `local LAYOUT = ${luaLiteral(LAYOUT)}`,
  lib('base'),
  lib('codec'),
  `begin({'{bench}'}, {'1796580369325'})
local N = ${N}
local function us(a, b) return tostring(((b[1] - a[1]) * 1e6 + b[2] - a[2]) / N) end
local text = string.sub(RAW, 2, string.find(RAW, '\\n', 1, true) - 1)
local t0 = redis.call('TIME')
for i = 1, N do decode(RAW, 'inv_x') end
local t1 = redis.call('TIME')
local doc = decode(RAW, 'inv_x')
for i = 1, N do encode(doc) end
local t2 = redis.call('TIME')
for i = 1, N do cjson.decode(text) end
local t3 = redis.call('TIME')
local plain = cjson.decode(text)
for i = 1, N do cjson.encode(plain) end
local t4 = redis.call('TIME')
return {us(t0, t1), us(t1, t2), us(t2, t3), us(t3, t4), encode(doc)}`,
].join('\n');

// The same document back (cjson orders keys its own way): else a codec fault, not a figure.
const same = (a: string, b: string) =>
  a[0] === b[0] && isDeepStrictEqual(JSON.parse(a.slice(1)), JSON.parse(b.slice(1)));
const redis = await benchRedis(6422);
const runs: number[][] = [];
try {
  for (let i = 0; i < 6; i++) {
    const reply = (await redis.client.eval(script, 0, stored)) as string[];
    if (!same(reply[4], stored.slice(0, stored.indexOf('\n'))))
      throw new Error(`encode(decode(x)) changed the document: ${reply[4]}`);
    if (i > 0) runs.push(reply.slice(0, 4).map(Number));
  }
} finally {
  redis.stop();
}
const at = (j: number) => median(runs.map((r) => r[j]));
report('codec', {
  runs: runs.length,
  per_call: N,
  decode_us: round(at(0)),
  encode_us: round(at(1)),
  cjson_decode_us: round(at(2)),
  cjson_encode_us: round(at(3)),
  codec_over_cjson: round((at(0) + at(1)) / (at(2) + at(3))),
});
redis.client.disconnect();
process.exit(0);
