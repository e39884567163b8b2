// Runs every bench script in turn (one at a time, so they do not share the two cores) and
// prints each one's JSON line. `npm run bench`; one script: `npx tsx bench/<name>.ts`.
import { execFileSync } from 'node:child_process';

const scripts = [
  'render',
  'intake',
  'public',
  'e2e',
  'sweep',
  'retention',
  'memory',
  'create',
  'scripts',
  'codec',
  'popular',
  'list',
  'cluster',
];
for (const s of process.argv.length > 2 ? process.argv.slice(2) : scripts) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', `bench/${s}.ts`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  for (const line of out.split('\n')) if (line.startsWith('{"bench"')) console.log(line);
}
