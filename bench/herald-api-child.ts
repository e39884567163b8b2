// One Herald API process for bench/public.ts (the environment comes from the parent), so Herald
// and the bare baseline are measured the same way: each its own process.
import { loadConfig } from '../src/config.js';
import { createHerald } from '../src/herald.js';

const herald = await createHerald({
  config: loadConfig(process.env),
  secret: process.env.INVITE_SECRET!,
  apiKeys: [process.env.API_KEYS!],
  roles: { api: true, worker: false },
});
await herald.app!.listen({ port: 0, host: '127.0.0.1' });
process.send!((herald.app!.server.address() as { port: number }).port);
process.on('SIGTERM', () => void herald.close().then(() => process.exit(0)));
