import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startServerProcess } from './helpers/process.js';
import { waitFor } from './helpers/eventually.js';
import { collect, untilLive, wsClient } from './helpers/ws.js';
import { TaskEventsDocument } from './generated/graphql.js';

// Two server processes on one database behave as one: events cross instances through
// PostgreSQL NOTIFY, and dequeues on both still hand out each task once.
let database: TestDatabase;
let servers: ReturnType<typeof startServerProcess>[];
let urls: string[];
let token: string;
const secret = randomBytes(32).toString('hex');

beforeAll(async () => {
  database = await createTestDatabase();
  servers = [0, 1].map(() =>
    startServerProcess({ DATABASE_URL: database.url, JWT_SECRET: secret, PORT: '0', LOG_LEVEL: 'info', SWEEP_INTERVAL_MS: '500' }),
  );
  urls = await Promise.all(servers.map((p) => p.url()));
  token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime('1h').sign(new TextEncoder().encode(secret));
});
afterAll(async () => {
  await Promise.all(servers.map((p) => p.stop()));
  await database.drop();
});

async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

describe('two instances on one database', () => {
  it('delivers to a subscriber on one instance the events caused on the other', async () => {
    const { createWorkQueue } = await gql<{ createWorkQueue: { id: string } }>(urls[1]!, 'mutation { createWorkQueue(input: {name: "shared"}) { id } }');
    const ws = wsClient(urls[0]!, { authorization: `Bearer ${token}` });
    const sub = collect(ws.client, TaskEventsDocument, { queueId: createWorkQueue.id });
    // Live once a probe enqueued on B has arrived: what B does next can only reach A as it happens.
    const probes = await untilLive(sub, () => gql(urls[1]!, 'mutation($q: ID!) { enqueueTask(queueId: $q, input: {name: "probe"}) { id } }', { q: createWorkQueue.id }));
    await gql(urls[1]!, 'mutation($q: ID!) { enqueueTask(queueId: $q, input: {name: "from B"}) { id } }', { q: createWorkQueue.id });
    const item = await waitFor(() => sub.items.find((i) => i.taskEvents.task.name !== 'probe'), { what: 'the event from B' });
    expect(probes.every((i) => i.taskEvents.task.name === 'probe')).toBe(true);
    expect(item.taskEvents).toMatchObject({ type: 'CREATED', task: { name: 'from B' } });
    sub.stop();
    await ws.client.dispose();
  });

  it('assigns each task once when agents dequeue through both instances', async () => {
    const { createWorkQueue } = await gql<{ createWorkQueue: { id: string } }>(urls[0]!, 'mutation { createWorkQueue(input: {name: "split"}) { id } }');
    const queueId = createWorkQueue.id;
    await gql(urls[0]!, 'mutation($q: ID!, $t: [EnqueueTaskInput!]!) { enqueueTasks(queueId: $q, tasks: $t) { id } }', {
      q: queueId,
      t: Array.from({ length: 300 }, (_, i) => ({ name: `t${i}` })),
    });
    const got: string[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const url = urls[i % 2]!;
        for (;;) {
          const { dequeueTask } = await gql<{ dequeueTask: { id: string } | null }>(
            url,
            'mutation($q: ID!, $a: String!) { dequeueTask(queueId: $q, agentId: $a) { id } }',
            { q: queueId, a: `agent-${i}` },
          );
          if (!dequeueTask) return;
          got.push(dequeueTask.id);
        }
      }),
    );
    expect(got).toHaveLength(300);
    expect(new Set(got).size).toBe(300);
  });

  it('wakes a long-polling agent on one instance when a task is enqueued on the other', async () => {
    // The poller is a team member: each claim attempt marks it seen, a signal visible from outside.
    const { createTeam } = await gql<{ createTeam: { id: string; queue: { id: string } } }>(urls[0]!, 'mutation { createTeam(input: {name: "poll", size: 1}) { id queue { id } } }');
    const createWorkQueue = createTeam.queue;
    const waiting = gql<{ dequeueTask: { id: string; name: string } | null }>(
      urls[0]!,
      'mutation($q: ID!) { dequeueTask(queueId: $q, agentId: "agent-1", waitSeconds: 20) { id name } }',
      { q: createWorkQueue.id },
    );
    // Seen: the poll listens for new work (it does before its first attempt) and found none.
    await waitFor(async () => (await database.db.teamMember.findUniqueOrThrow({ where: { teamId_name: { teamId: createTeam.id, name: 'agent-1' } } })).lastSeenAt, {
      what: 'the poll to wait',
    });
    const started = Date.now();
    await gql(urls[1]!, 'mutation($q: ID!) { enqueueTask(queueId: $q, input: {name: "cross"}) { id } }', { q: createWorkQueue.id });
    expect((await waiting).dequeueTask?.name).toBe('cross');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
