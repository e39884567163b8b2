// One Herald API process for bench/public.ts (the environment comes from the parent), so Herald
// and the bare baseline are measured the same way: each its own process. It runs the compiled
// build (`npm run build`, which the parent runs first), as the Procfile's `web` does.
import type { createHerald as Create } from '../src/herald.js';
import type { loadConfig as Load } from '../src/config.js';

const dist = (file: string) => new URL(`../dist/${file}`, import.meta.url).href;
const { createHerald } = (await import(dist('herald.js'))) as { createHerald: typeof Create };
const { loadConfig } = (await import(dist('config.js'))) as { loadConfig: typeof Load };

const herald = await createHerald({
  config: loadConfig(process.env),
  secret: process.env.INVITE_SECRET!,
  apiKeys: [process.env.API_KEYS!],
  roles: { api: true, worker: false },
});
await herald.app!.listen({ port: 0, host: '127.0.0.1' });
process.send!((herald.app!.server.address() as { port: number }).port);
process.on('SIGTERM', () => void herald.close().then(() => process.exit(0)));
