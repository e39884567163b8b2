// An SMTP server in its own process for the end-to-end bench: accepts everything, counts it.
// GET http://127.0.0.1:<http port>/count answers the number received; /reset sets it to 0.
import { createServer } from 'node:http';
import { SMTPServer } from 'smtp-server';

const [smtpPort, httpPort] = [Number(process.argv[2] ?? 2525), Number(process.argv[3] ?? 2526)];
let count = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  closeTimeout: 200,
  onData(stream, _session, cb) {
    stream.on('data', () => {});
    stream.on('end', () => {
      count += 1;
      cb();
    });
  },
});
smtp.on('error', () => {});
smtp.listen(smtpPort, '127.0.0.1');
createServer((req, res) => {
  if (req.url === '/reset') count = 0;
  res.end(String(count));
}).listen(httpPort, '127.0.0.1', () => console.log('sink ready'));
