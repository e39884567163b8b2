import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HeraldError } from '../../src/errors.js';
import { errorHandler } from '../../src/http/errors.js';

// Above LOG_LEVEL info, Fastify gets no logger (src/http/app.ts), so a failed request is logged
// by errorHandler alone: with its request id, and only when it is the server's fault.
describe('errorHandler logs', () => {
  it('a 500 and a 503 with their request ids, and no 4xx', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    let n = 0;
    const app = Fastify({ genReqId: () => `req-${++n}` });
    app.setErrorHandler(errorHandler(pino({ level: 'warn' }, sink)));
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    app.get('/down', async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    });
    app.get('/bad', async () => {
      throw new HeraldError('invalid_request', 400, 'bad');
    });
    const boom = await app.inject('/boom');
    const down = await app.inject('/down');
    const bad = await app.inject('/bad');
    expect([boom.statusCode, down.statusCode, bad.statusCode]).toEqual([500, 503, 400]);
    expect(boom.json().error.code).toBe('internal_error');
    expect(lines.map((l) => [l.level, l.reqId, l.msg])).toEqual([
      [50, 'req-1', 'request failed'],
      [40, 'req-2', 'store unavailable'],
    ]);
    expect((lines[0].err as { message: string }).message).toBe('boom');
    await app.close();
  });
});
