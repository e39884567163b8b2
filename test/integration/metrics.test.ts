import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHerald, startSink, waitForInvite, type Sink, type TestHerald } from '../helpers.js';
import { freePort } from '../processes.js';

let sink: Sink;
let web: TestHerald;
let worker: TestHerald;
let port: number;

beforeAll(async () => {
  sink = await startSink();
  port = await freePort();
  web = await startHerald({ sink });
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
    const webMetrics = (await web.inject({ method: 'GET', url: '/metrics' })).body;
    expect(webMetrics).toMatch(/herald_invites_total\{event="sent"\} 1\b/);
    expect(webMetrics).toMatch(/herald_queue_jobs\{queue="delivery",state="waiting"\} \d+/);
    const workerMetrics = await scrape(`http://127.0.0.1:${port}/metrics`);
    expect(workerMetrics).toMatch(/herald_send_duration_seconds_count 1\b/);
    expect(await scrape(`http://127.0.0.1:${port}/healthz`)).toContain('ok');
  });
});
