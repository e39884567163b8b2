// A webhook receiver in its own process for bench/webhooks.ts: counts POSTs, answers 204.
import http from 'node:http';

let n = 0;
const server = http.createServer((req, res) => {
  req.resume().on('end', () => {
    n += 1;
    res.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => process.send!((server.address() as { port: number }).port));
process.on('message', () => process.send!(n));
