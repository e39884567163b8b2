import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHerald, startSink, waitForInvite, type Sink, type TestHerald } from '../helpers.js';
import { freePort } from '../processes.js';

let sink: Sink;
let web: TestHerald;
let worker: TestHerald;
let port: number;
let webPort: number;
const METRICS_TOKEN = 'metrics-token-0123456789';

beforeAll(async () => {
  sink = await startSink();
  [port, webPort] = [await freePort(), await freePort()];
  web = await startHerald({ sink, env: { METRICS_TOKEN, METRICS_PORT: String(webPort) } });
  worker = await startHerald({
    sink,
    prefix: web.prefix,
    roles: { api: false, worker: true },
    env: { METRICS_PORT: String(port) },
  });
});
afterAll(async () => {
  await worker.close();
  await worker.redis.quit();
  await web.cleanup();
  await sink.close();
});

const scrape = async (url: string) => (await fetch(url)).text();

describe('metrics across separate web and worker processes', () => {
  it('the web process reports fleet counters and queue depth; the worker serves its own histograms', async () => {
    const inv = (await api(web).post('/v1/invites', { email: 'm@metrics.test' })).json();
    await waitForInvite(api(web), inv.id, (x) => x.delivery.status === 'sent', 'sent');
    const webMetrics = (
      await web.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      })
    ).body;
    expect(webMetrics).toMatch(/herald_invites_total\{event="sent"\} 1\b/);
    expect(webMetrics).toMatch(/herald_queue_jobs\{queue="delivery",state="waiting"\} \d+/);
    const workerMetrics = await scrape(`http://127.0.0.1:${port}/metrics`);
    expect(workerMetrics).toMatch(/herald_send_duration_seconds_count 1\b/);
    expect(await scrape(`http://127.0.0.1:${port}/healthz`)).toContain('ok');
    // The API process's own listener serves what its API port serves, without the token.
    expect(await scrape(`http://127.0.0.1:${webPort}/metrics`)).toMatch(
      /herald_invites_total\{event="sent"\} 1\b/,
    );
  });

  it('the API port answers /metrics only to Bearer METRICS_TOKEN', async () => {
    for (const auth of [
      undefined,
      'Bearer wrong',
      `Bearer ${METRICS_TOKEN}x`,
      METRICS_TOKEN,
      'Bearer test-key-0123456789abcdef',
    ]) {
      const r = await web.inject({
        method: 'GET',
        url: '/metrics',
        headers: auth ? { authorization: auth } : {},
      });
      expect([auth, r.statusCode, r.json().error.code]).toEqual([auth, 401, 'unauthorized']);
    }
    const ok = await web.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(ok.statusCode).toBe(200);
    // Each answered request once, by route and status: the five refusals above, and on the next
    // scrape this one too, the refusals not counted again.
    const count = (body: string, status: number) =>
      Number(
        new RegExp(
          `herald_http_requests_total\\{method="GET",route="/metrics",status="${status}"\\} (\\d+)`,
        ).exec(body)?.[1] ?? 0,
      );
    expect(count(ok.body, 401)).toBe(5);
    const again = await web.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect([count(again.body, 401), count(again.body, 200)]).toEqual([5, count(ok.body, 200) + 1]);
  });
});
