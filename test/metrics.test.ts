import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsEndpoint } from '../src/http/metricsEndpoint.js';
import { createLogger } from '../src/logger.js';
import { registry } from '../src/metrics/registry.js';
import { TaskEventsDocument } from './generated/graphql.js';
import { eventually } from './helpers/eventually.js';
import { rest } from './helpers/rest.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { collect } from './helpers/ws.js';

// GET /metrics in Prometheus' text format, read back with a Prometheus text-format parser
// (parse-prometheus-text-format): every family parses with its type, counters and gauges with
// their values. That parser folds the series of a labelled histogram into one (its open issue
// #13), so histogram series are read through prom-client's own registry as well.

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

async function scrape(headers: Record<string, string> = {}): Promise<Map<string, PrometheusFamily>> {
  const res = await fetch(`${s.baseUrl}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return new Map(parsePrometheusTextFormat(await res.text()).map((f) => [f.name, f]));
}

const matches = (labels: Record<string, unknown> | undefined, wanted: Record<string, string>) => Object.entries(wanted).every(([k, v]) => labels?.[k] === v);

/** The series of a counter or gauge whose labels include `labels`. */
function series(families: Map<string, PrometheusFamily>, name: string, labels: Record<string, string> = {}) {
  const family = families.get(name);
  if (!family) throw new Error(`no metric ${name}`);
  return family.metrics.filter((m) => matches(m.labels, labels));
}
const value = (families: Map<string, PrometheusFamily>, name: string, labels?: Record<string, string>) =>
  series(families, name, labels).reduce((sum, m) => sum + Number(m.value), 0);

/** How many observations the histogram `name` holds in the series matching `labels`. */
async function observations(name: string, labels: Record<string, string> = {}) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  if (!metric) throw new Error(`no metric ${name}`);
  // Histogram values carry the sample's name (`…_bucket`, `…_sum`, `…_count`).
  const values = metric.values as Array<(typeof metric.values)[number] & { metricName?: string }>;
  return values.filter((v) => v.metricName === `${name}_count` && matches(v.labels, labels)).reduce((sum, v) => sum + v.value, 0);
}

describe('GET /metrics', () => {
  it('reports queues, transitions, wait and run times, HTTP, websockets, delivery lag and the pool after some work', async () => {
    const queue = (await rest(s, 'POST', '/work-queues', { body: { name: 'observed' } })).body.id as string;
    const ws = await s.wsClient();
    const events = collect(ws.client, TaskEventsDocument, { queueId: queue });
    await s.whenSubscribed('queueTasks', queue);
    for (const name of ['a', 'b', 'c']) expect((await rest(s, 'POST', `/work-queues/${queue}/tasks`, { body: { name } })).status).toBe(201);
    const done = (await rest(s, 'POST', `/work-queues/${queue}/dequeue`, { body: { agentId: 'worker' } })).body.id;
    expect((await rest(s, 'POST', `/work-queue-tasks/${done}/complete`, { body: { result: { ok: true } } })).status).toBe(200);
    const failed = (await rest(s, 'POST', `/work-queues/${queue}/dequeue`, { body: { agentId: 'worker' } })).body.id;
    expect((await rest(s, 'POST', `/work-queue-tasks/${failed}/fail`, { body: { error: 'no' } })).status).toBe(200);
    await events.waitFor(7); // 3 created, 2 assigned, completed, failed

    const m = await eventually(async () => {
      const families = await scrape();
      expect(value(families, 'agent_teams_task_transitions_total', { event: 'failed' })).toBeGreaterThanOrEqual(1);
      return families;
    });
    // Live tasks per queue and status, from the database.
    expect(value(m, 'agent_teams_tasks', { queue, queue_name: 'observed', status: 'pending' })).toBe(1);
    expect(value(m, 'agent_teams_tasks', { queue, status: 'assigned' })).toBe(0);
    expect(value(m, 'agent_teams_database_up')).toBe(1);
    // Transitions, as the event tailer delivered them.
    expect(value(m, 'agent_teams_task_transitions_total', { event: 'created' })).toBeGreaterThanOrEqual(3);
    expect(value(m, 'agent_teams_task_transitions_total', { event: 'assigned' })).toBeGreaterThanOrEqual(2);
    expect(value(m, 'agent_teams_task_transitions_total', { event: 'completed' })).toBeGreaterThanOrEqual(1);
    // Wait (enqueue → claim) and run (claim → finish) histograms.
    for (const name of ['agent_teams_task_wait_seconds', 'agent_teams_task_run_seconds', 'agent_teams_http_request_duration_seconds', 'agent_teams_event_delivery_lag_seconds']) {
      expect(m.get(name)?.type).toBe('HISTOGRAM');
    }
    expect(await observations('agent_teams_task_wait_seconds')).toBe(2);
    expect(await observations('agent_teams_task_run_seconds', { outcome: 'completed' })).toBe(1);
    expect(await observations('agent_teams_task_run_seconds', { outcome: 'failed' })).toBe(1);
    // HTTP requests by route, GraphQL operation and status.
    const dequeues = { method: 'POST', route: '/work-queues/:queueId/dequeue', operation: 'mutation dequeueTask', status: '200' };
    expect(await observations('agent_teams_http_request_duration_seconds', dequeues)).toBe(2);
    // Websockets, delivery lag, the pool, and Node's defaults.
    expect(value(m, 'agent_teams_websocket_connections')).toBe(1);
    expect(value(m, 'agent_teams_websocket_subscriptions')).toBe(1);
    expect(await observations('agent_teams_event_delivery_lag_seconds', { log: 'tasks' })).toBeGreaterThanOrEqual(7);
    expect(value(m, 'agent_teams_db_pool_connections')).toBeGreaterThan(0);
    expect(m.has('agent_teams_db_pool_idle_connections') && m.has('agent_teams_db_pool_waiting_requests')).toBe(true);
    expect(m.has('process_cpu_user_seconds_total') && m.has('nodejs_eventloop_lag_seconds') && m.has('nodejs_heap_size_used_bytes')).toBe(true);

    events.stop();
    await eventually(async () => expect(value(await scrape(), 'agent_teams_websocket_subscriptions')).toBe(0));
  });

  it('counts GraphQL requests by operation, and the queue gauge forgets a deleted queue', async () => {
    const queue = (await rest(s, 'POST', '/work-queues', { body: { name: 'short-lived' } })).body.id as string;
    const res = await fetch(`${s.baseUrl}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await s.tokenFor('alice')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query Depth($id: ID!) { workQueue(id: $id) { depth } }', variables: { id: queue } }),
    });
    expect(res.status).toBe(200);
    // Observed once the answer is sent, which the client may see first.
    await eventually(async () =>
      expect(await observations('agent_teams_http_request_duration_seconds', { route: '/graphql', operation: 'query workQueue', status: '200' })).toBe(1),
    );
    let m = await scrape();
    expect(series(m, 'agent_teams_tasks', { queue })).toHaveLength(2);
    await rest(s, 'DELETE', `/work-queues/${queue}`);
    m = await scrape();
    expect(series(m, 'agent_teams_tasks', { queue })).toHaveLength(0);
  });
});

describe('access to /metrics', () => {
  it('needs the bearer METRICS_TOKEN when one is configured', async () => {
    const token = 'metrics-token-0123456789';
    const guarded = await startTestServer({ listen: true, config: { metricsToken: token } });
    try {
      const get = (authorization?: string) => fetch(`${guarded.baseUrl}/metrics`, { headers: authorization ? { authorization } : {} });
      const missing = await get();
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await get('Bearer wrong-token-0123456789')).status).toBe(401);
      expect((await get(`Bearer ${await guarded.tokenFor('alice')}`)).status).toBe(401);
      const ok = await get(`Bearer ${token}`);
      expect(ok.status).toBe(200);
      expect(parsePrometheusTextFormat(await ok.text()).some((f) => f.name === 'agent_teams_tasks')).toBe(true);
    } finally {
      await guarded.stop();
    }
  });

  it('answers loopback clients only when no token is configured', async () => {
    const serve = createMetricsEndpoint(undefined, createLogger('silent'));
    const answer = (remoteAddress: string) =>
      new Promise<number>((resolve) => {
        const res = { writeHead: (status: number) => ({ end: () => resolve(status) }) };
        serve({ headers: {}, socket: { remoteAddress } } as never, res as never);
      });
    expect(await answer('10.1.2.3')).toBe(403);
    expect(await answer('192.168.0.7')).toBe(403);
    expect(await answer('::ffff:127.0.0.1')).toBe(200);
    expect(await answer('::1')).toBe(200);
  });
});
