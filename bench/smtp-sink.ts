// An SMTP server in its own process for the end-to-end bench: accepts everything, counts it.
// GET http://127.0.0.1:<http port>/count answers the number received; /reset sets it to 0;
// /wait?n=N answers once N have arrived (one request instead of polling, whose CPU the bench
// would count as Herald's).
import { createServer } from 'node:http';
import { SMTPServer } from 'smtp-server';

const [smtpPort, httpPort] = [Number(process.argv[2] ?? 2525), Number(process.argv[3] ?? 2526)];
let count = 0;
let waiters: { n: number; answer: () => void }[] = [];
const wake = () => {
  const due = waiters.filter((w) => count >= w.n);
  waiters = waiters.filter((w) => count < w.n);
  due.forEach((w) => w.answer());
};
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  closeTimeout: 200,
  onData(stream, _session, cb) {
    stream.on('data', () => {});
    stream.on('end', () => {
      count += 1;
      if (waiters.length) wake();
      cb();
    });
  },
});
smtp.on('error', () => {});
smtp.listen(smtpPort, '127.0.0.1');
createServer((req, res) => {
  const wait = /^\/wait\?n=(\d+)$/.exec(req.url ?? '');
  if (wait) {
    waiters.push({ n: Number(wait[1]), answer: () => res.end(String(count)) });
    return wake();
  }
  if (req.url === '/reset') count = 0;
  res.end(String(count));
}).listen(httpPort, '127.0.0.1', () => console.log('sink ready'));
