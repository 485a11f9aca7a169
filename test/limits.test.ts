import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../src/http/body.js';
import { MAX_BATCH, MAX_BATCH_BYTES } from '../src/queues/validation.js';
import { CreateWorkQueueDocument } from './generated/graphql.js';
import { rest } from './helpers/rest.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// The documented limits are the real ones: the largest batch a service accepts fits the request
// body limit of both REST and GraphQL, and the README states both figures.
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

const MiB = 1024 * 1024;

async function graphql(query: string, variables: Record<string, unknown>) {
  const res = await fetch(`${s.baseUrl}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await s.tokenFor('alice')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: Record<string, unknown[]>; errors?: { message: string; extensions: Record<string, unknown> }[] } };
}

const enqueue = 'mutation($q: ID!, $t: [EnqueueTaskInput!]!) { enqueueTasks(queueId: $q, tasks: $t) { id } }';
const blob = (bytes: number) => 'x'.repeat(bytes);

describe('batch and body limits', () => {
  it(`takes a batch of ${MAX_BATCH} tasks with payloads up to ${MAX_BATCH_BYTES / MiB} MiB in total over GraphQL`, async () => {
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'big batch' } })).createWorkQueue.id;
    const tasks = Array.from({ length: MAX_BATCH }, (_, i) => ({ name: `t${i}`, payload: { blob: blob(16_000) } }));
    expect(JSON.stringify(tasks).length).toBeGreaterThan(MAX_BATCH_BYTES * 0.95);
    const res = await graphql(enqueue, { q: queueId, t: tasks });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.enqueueTasks).toHaveLength(MAX_BATCH);
  });

  it(`completes ${MAX_BATCH} tasks with large results in one REST call`, async () => {
    const wq = (await rest(s, 'POST', '/work-queues', { body: { name: 'big results' } })).body.id;
    await graphql(enqueue, { q: wq, t: Array.from({ length: MAX_BATCH }, (_, i) => ({ name: `t${i}` })) });
    const ids: string[] = [];
    while (ids.length < MAX_BATCH) {
      const claimed = await rest(s, 'POST', `/work-queues/${wq}/dequeue-batch`, { body: { agentId: 'a', limit: 100 } });
      ids.push(...claimed.body.map((t: { id: string }) => t.id));
    }
    const items = ids.map((id) => ({ id, result: { blob: blob(16_000) } }));
    const res = await rest(s, 'POST', '/work-queue-tasks/complete-batch', { body: { items } });
    expect(res.status).toBe(200);
    expect(res.body.every((o: { ok: boolean }) => o.ok)).toBe(true);
  });

  it('refuses a batch over the total with an error naming it, writing nothing', async () => {
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'too big' } })).createWorkQueue.id;
    const tasks = Array.from({ length: 140 }, (_, i) => ({ name: `t${i}`, payload: { blob: blob(63_000) } }));
    const size = JSON.stringify({ query: enqueue, variables: { q: queueId, t: tasks } }).length;
    expect(size).toBeGreaterThan(MAX_BATCH_BYTES);
    expect(size).toBeLessThan(MAX_BODY_BYTES);
    const res = await graphql(enqueue, { q: queueId, t: tasks });
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'tasks' } });
    expect(res.body.errors?.[0]?.message).toBe(`tasks: must be at most ${MAX_BATCH_BYTES} bytes as JSON in total (8 MiB)`);
    expect(await s.db.task.count({ where: { queueId } })).toBe(0);
  });

  it('refuses a body over the limit with 400 on GraphQL as on REST', async () => {
    const res = await graphql(enqueue, { q: 'wq_x', t: [{ name: blob(MAX_BODY_BYTES) }] });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toMatchObject({ message: `body: must be at most ${MAX_BODY_BYTES} bytes`, extensions: { code: 'BAD_USER_INPUT', field: 'body' } });
    const viaRest = await rest(s, 'POST', '/work-queues', { body: { name: blob(MAX_BODY_BYTES) } });
    expect(viaRest.body.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'body' });
  });

  it('documents the same figures in the README', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    expect(MAX_BATCH_BYTES).toBe(8 * MiB);
    expect(MAX_BODY_BYTES).toBe(10 * MiB);
    expect(readme).toMatch(/batch[^\n]*8 MiB/i);
    expect(readme).toMatch(/bod(y|ies)[^\n]*10 MiB/i);
  });
});
