import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startTracing } from '../src/tracing/start.js';
import { rest } from './helpers/rest.js';
import { startTestServer } from './helpers/server.js';

// OTEL_EXPORTER_OTLP_ENDPOINT set: spans reach an OTLP/HTTP collector at <endpoint>/v1/traces,
// with the configured headers. The collector here is a local HTTP server.

it('exports spans over OTLP/HTTP to the configured endpoint', async () => {
  const received: { path: string; headers: IncomingHttpHeaders; bytes: number }[] = [];
  const collector = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, bytes });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;

  const config = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=secret%20value', OTEL_SERVICE_NAME: 'teams-under-test' });
  expect(loadConfig({}).tracing).toBeUndefined(); // off by default
  const tracing = startTracing(config.tracing!);
  const s = await startTestServer({ listen: true });
  try {
    expect((await rest(s, 'POST', '/work-queues', { body: { name: 'exported' } })).status).toBe(201);
  } finally {
    await s.stop();
    await tracing.stop(); // flushes the batch
    await new Promise<void>((resolve) => collector.close(() => resolve()));
  }
  expect(received.length).toBeGreaterThanOrEqual(1);
  expect(received[0]).toMatchObject({ path: '/v1/traces', headers: { 'x-api-key': 'secret value' } });
  expect(received[0]!.bytes).toBeGreaterThan(0);
});
