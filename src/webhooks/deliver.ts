import http from 'node:http';
import https from 'node:https';
import { guardedLookup, parseWebhookUrl } from './ssrf.js';

export interface DeliveryResult {
  /** The HTTP status, or null when no answer came (timeout, refused, blocked). */
  status: number | null;
  /** Milliseconds to wait before the next try, from Retry-After on 429/503. */
  retryAfterMs: number | null;
  /** The first KiB of the answer or the error, for the deliveries log. */
  detail: string;
}

const KEEP = 1024;

// Connections are kept open between deliveries to the same receiver (each was address-checked
// when it was opened), in separate pools for the two address policies.
const agents = new Map<string, http.Agent>();
const agentFor = (protocol: string, allowPrivate: boolean) => {
  const key = `${protocol}${allowPrivate}`;
  if (!agents.has(key)) {
    agents.set(
      key,
      protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true }),
    );
  }
  return agents.get(key)!;
};

/** Retry-After as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * One POST of a signed event: no redirects followed, the answer read up to 1 KiB and then
 * dropped, every address checked as it is connected to (see ssrf.ts).
 */
export function postWebhook(
  rawUrl: string,
  headers: Record<string, string>,
  body: string,
  o: { timeoutMs: number; allowPrivate: boolean },
): Promise<DeliveryResult> {
  const { url } = parseWebhookUrl(rawUrl);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: DeliveryResult) => {
      if (done) return;
      done = true;
      resolve(r);
    };
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        agent: agentFor(url.protocol, o.allowPrivate),
        lookup: guardedLookup(o.allowPrivate) as never,
        timeout: o.timeoutMs,
      },
      (res) => {
        let kept = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (kept.length < KEEP) kept += chunk.slice(0, KEEP - kept.length);
          else res.destroy(); // the rest is not needed
        });
        const answer = () =>
          finish({
            status: res.statusCode ?? null,
            retryAfterMs:
              res.statusCode === 429 || res.statusCode === 503
                ? retryAfterMs(res.headers['retry-after'])
                : null,
            detail: kept,
          });
        res.on('end', answer);
        res.on('close', answer);
        res.on('error', answer);
      },
    );
    // A whole-request deadline, since `timeout` alone only watches for idle sockets.
    const deadline = setTimeout(
      () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)),
      o.timeoutMs,
    );
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', (err: Error & { code?: string }) =>
      finish({ status: null, retryAfterMs: null, detail: String(err.message || err.code).slice(0, KEEP) }),
    );
    req.end(body);
  });
}
