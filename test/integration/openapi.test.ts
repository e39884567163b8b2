import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from '../helpers.js';

let h: TestHerald;
beforeAll(async () => {
  h = await startHerald();
});
afterAll(() => h.cleanup());

describe('the OpenAPI document', () => {
  it("passes Redocly's recommended lint with no errors", async () => {
    const doc = (await h.inject({ method: 'GET', url: '/openapi.json' })).json();
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/openapi.json', JSON.stringify(doc, null, 2));
    const r = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        ['node_modules/@redocly/cli/bin/cli.js', 'lint', 'test-results/openapi.json', '--format=summary'],
        { timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
      ),
    );
    expect(r.out).not.toMatch(/^error /m);
    expect(r.code).toBe(0);
  });

  it('names every operation once (camelCase), says which need no key, and serves the package version', async () => {
    const doc = (await h.inject({ method: 'GET', url: '/openapi.json' })).json();
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect([doc.info.license.name, pkg.license]).toEqual(['MIT', 'MIT']);
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/^MIT License/);
    const ops = Object.entries(
      doc.paths as Record<
        string,
        Record<
          string,
          { operationId: string; security?: unknown[]; summary: string; responses: Record<string, unknown> }
        >
      >,
    ).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, ...op })));
    const ids = ops.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const o of ops) {
      expect(o.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      expect(o.summary.length).toBeGreaterThan(5);
    }
    const byId = Object.fromEntries(ops.map((o) => [o.operationId, o]));
    expect(byId.getPublicInvite.security).toEqual([]);
    expect(byId.createInvite.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(byId.deleteInvite.responses)).toContain('204');
    expect(Object.keys(byId.deleteInvite.responses)).not.toContain('200');
    expect(Object.keys(byId.acceptInvite.responses)).toEqual(
      expect.arrayContaining(['200', '403', '404', '409']),
    );
    expect(doc.servers).toEqual([{ url: 'http://localhost:3000' }]);
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
