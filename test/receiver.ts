import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './helpers.js';

export interface Hit {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number };

/** A real HTTP server on loopback that records each webhook POST and answers as told. */
export async function startReceiver(answer: (hit: Hit, n: number) => Answer = () => ({ status: 200 })) {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      hits.push(hit);
      const a = answer(hit, hits.length);
      setTimeout(() => {
        res.writeHead(a.status, a.headers ?? {});
        res.end('ok');
      }, a.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    hits,
    waitFor: (n: number, ms = 15_000) =>
      waitFor(() => hits.length >= n, ms, `${n} webhook deliveries (have ${hits.length})`),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
