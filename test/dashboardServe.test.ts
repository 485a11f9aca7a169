// The server's own dashboard files: what a browser gets at / and /assets/…, without a browser.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardHandler } from '../src/dashboard/serve.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

describe('dashboard files', () => {
  it('serves the page at / with a policy that allows this server only', async () => {
    const res = await fetch(`${s.baseUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toContain('<div id="app">');
    // Every script and stylesheet is one of ours.
    for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(url).toMatch(/^(\/assets\/|data:)/);
  });

  it('serves the built script gzipped when asked, and answers 304 to a matching ETag', async () => {
    const gz = await fetch(`${s.baseUrl}/assets/app.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.status).toBe(200);
    expect(gz.headers.get('content-type')).toMatch(/^text\/javascript/);
    const etag = gz.headers.get('etag')!;
    const again = await fetch(`${s.baseUrl}/assets/app.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    // The raw bytes: node's fetch decodes gzip itself, so ask over plain http for the encoded ones.
    const raw = await new Promise<Buffer>((resolve, reject) => {
      get(`${s.baseUrl}/assets/app.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject);
    });
    expect(gunzipSync(raw).toString()).toContain('graphql-transport-ws');
  });

  it('answers 404 for an unknown asset and leaves other paths to the API', async () => {
    expect((await fetch(`${s.baseUrl}/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${s.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${s.baseUrl}/api/v1/teams`)).status).toBe(401);
  });

  it('says how to build it when the build is missing', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'no-dashboard-'));
    const handle = createDashboardHandler(empty);
    const server = createServer((req, res) => {
      if (!handle(req, res)) res.writeHead(418).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/npm install/);
    } finally {
      server.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
