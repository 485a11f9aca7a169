import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing } from '../src/tracing/start.js';
import { tracingEnabled } from '../src/tracing/tracer.js';
import { eventually } from './helpers/eventually.js';
import { rest } from './helpers/rest.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// OpenTelemetry spans, collected by an in-memory exporter: an HTTP server span per request
// (continuing the caller's W3C trace), a span per GraphQL operation inside it, and a span per
// SQL statement inside that. Background work (the event tailer, the sweeper) makes no spans.

const exporter = new InMemorySpanExporter();
let tracing: ReturnType<typeof startTracing>;
let s: TestServer;

beforeAll(async () => {
  expect(tracingEnabled()).toBe(false); // off unless started
  tracing = startTracing({ serviceName: 'agent-teams-test', exporter });
  s = await startTestServer({ listen: true, sweepIntervalMs: 50 });
});
afterAll(async () => {
  await s.stop();
  await tracing.stop();
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await s.tokenFor('alice')}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** The finished span named `name` (once it ended), of trace `traceId` when given. */
const spanNamed = (name: string, traceId?: string) =>
  eventually(() => {
    const span = exporter.getFinishedSpans().find((sp) => sp.name === name && (!traceId || sp.spanContext().traceId === traceId));
    expect(span, `a span ${name}`).toBeDefined();
    return span!;
  });
const childrenOf = (parent: ReadableSpan) => exporter.getFinishedSpans().filter((sp) => sp.parentSpanContext?.spanId === parent.spanContext().spanId);

describe('tracing', () => {
  it('traces a REST call: the HTTP span, the GraphQL operation in it, the claim statement in that', async () => {
    const queue = (await rest(s, 'POST', '/work-queues', { body: { name: 'traced' } })).body.id;
    await rest(s, 'POST', `/work-queues/${queue}/tasks`, { body: { name: 'a' } });
    const res = await post(`/work-queues/${queue}/dequeue`, { agentId: 'worker' }, { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` });
    expect(res.status).toBe(200);

    const http = await spanNamed('POST /work-queues/:queueId/dequeue', TRACE_ID);
    expect(http.kind).toBe(SpanKind.SERVER);
    expect(http.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(http.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/work-queues/:queueId/dequeue', 'http.response.status_code': 200 });
    expect(http.resource.attributes['service.name']).toBe('agent-teams-test');

    const operation = childrenOf(http).find((sp) => sp.name === 'mutation dequeueTask');
    expect(operation?.attributes).toMatchObject({ 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'RestDequeueTask' });
    const claim = childrenOf(operation!).find((sp) => sp.name === 'queues_claim_tasks');
    expect(claim?.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'db.operation.name': 'queues_claim_tasks' });
    expect(String(claim?.attributes['db.query.text'])).toContain('SKIP LOCKED');
  });

  it('traces GraphQL over HTTP, and marks an operation that failed with its error code', async () => {
    const res = await post('/graphql', { query: 'mutation Finish { completeTask(id: "wt_missing") { id } }' });
    expect(res.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const operation = await spanNamed('mutation completeTask');
    expect(operation.status.code).toBe(SpanStatusCode.ERROR);
    expect(operation.attributes['graphql.error.codes']).toEqual(['NOT_FOUND']);
    const http = exporter.getFinishedSpans().find((sp) => sp.spanContext().spanId === operation.parentSpanContext?.spanId);
    expect(http?.name).toBe('POST /graphql');
    // A client error is not a server span error.
    expect(http?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("includes Prisma's spans for the ORM reads of an operation", async () => {
    const res = await post('/graphql', { query: 'query Queues { workQueues(first: 5) { totalCount edges { node { id } } } }' });
    expect(res.body.errors).toBeUndefined();
    const operation = await spanNamed('query workQueues');
    const underOperation = (span: ReadableSpan): boolean => {
      const parent = exporter.getFinishedSpans().find((sp) => sp.spanContext().spanId === span.parentSpanContext?.spanId);
      return parent !== undefined && (parent === operation || underOperation(parent));
    };
    await eventually(() => {
      const prisma = exporter.getFinishedSpans().filter((sp) => sp.name.startsWith('prisma:') && underOperation(sp));
      expect(prisma.map((sp) => sp.name)).toEqual(expect.arrayContaining(['prisma:client:operation', 'prisma:client:db_query']));
      expect(String(prisma.find((sp) => sp.name === 'prisma:client:db_query')?.attributes['db.query.text'])).toContain('work_queues');
    });
  });

  it('makes no spans for background work', async () => {
    // The sweeper runs every 50 ms and the tailer reads after each mutation and on its poll.
    await eventually(() => expect(exporter.getFinishedSpans().length).toBeGreaterThan(0));
    const names = new Set(exporter.getFinishedSpans().map((sp) => sp.name));
    expect([...names].filter((n) => n.startsWith('events_') || n.startsWith('queues_expire') || n.startsWith('sweep'))).toEqual([]);
    // Every statement span belongs to a request's trace.
    for (const span of exporter.getFinishedSpans().filter((sp) => sp.attributes['db.system.name'])) expect(span.parentSpanContext).toBeDefined();
  });
});
