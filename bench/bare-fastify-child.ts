// The baseline of bench/public.ts: a bare Fastify route answering a small JSON, in its own process.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ port: 0, host: '127.0.0.1' });
process.send!((app.server.address() as { port: number }).port);
