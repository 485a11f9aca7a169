import { afterAll, beforeAll, expect, it } from 'vitest';
import { rest } from './helpers/rest.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

it('lets 20 concurrent agents drain 1,000 tasks through the REST routes, each completed exactly once', async () => {
  const wq = (await rest(s, 'POST', '/work-queues', { body: { name: 'rest-load' } })).body.id as string;
  for (let i = 0; i < 1000; i += 100) {
    const added = await Promise.all(
      Array.from({ length: 100 }, (_, j) => rest(s, 'POST', `/work-queues/${wq}/tasks`, { body: { name: `job-${i + j}`, priority: ((i + j) % 5) + 1 } })),
    );
    // All 1,000 exist before the agents start (a failed enqueue would otherwise show up only as a short count).
    expect(added.filter((r) => r.status !== 201).map((r) => r.text)).toEqual([]);
  }
  const completedBy = new Map<string, string>();
  const duplicates: string[] = [];
  await Promise.all(
    Array.from({ length: 20 }, async (_, n) => {
      const agentId = `rest-agent-${n}`;
      for (;;) {
        const got = await rest(s, 'POST', `/work-queues/${wq}/dequeue`, { body: { agentId } });
        if (got.status === 204) return;
        expect(got.status).toBe(200);
        const done = await rest(s, 'POST', `/work-queue-tasks/${got.body.id}/complete`, {
          body: { result: { by: agentId }, leaseToken: got.body.leaseToken },
        });
        expect(done.status).toBe(200);
        if (completedBy.has(got.body.id)) duplicates.push(got.body.id);
        completedBy.set(got.body.id, agentId);
      }
    }),
  );
  expect(duplicates).toEqual([]);
  expect(completedBy.size).toBe(1000);
  const queue = (await rest(s, 'GET', `/work-queues/${wq}`)).body;
  expect(queue.counts).toMatchObject({ completed: 1000, pending: 0, assigned: 0, total: 1000 });
  const completedEvents = await s.db.taskEvent.count({ where: { queueId: wq, type: 'COMPLETED' } });
  expect(completedEvents).toBe(1000);
});
