import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteTaskDocument,
  CreateTeamDocument,
  CreateWorkQueueDocument,
  DequeueTaskDocument,
  DequeueTaskWaitingDocument,
  DispatchToTeamDocument,
  EnqueueTaskDocument,
  StopTeamDocument,
  TaskEventsDocument,
  TeamEventsDocument,
  type TaskEventsSubscription,
} from './generated/graphql.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { collect, sleep, wsClient } from './helpers/ws.js';

let s: TestServer;
let ws: ReturnType<typeof wsClient>;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
  ws = wsClient(s.baseUrl!, { authorization: `Bearer ${await s.tokenFor('alice')}` });
});
afterAll(async () => {
  await ws.client.dispose();
  await s.stop();
});

const newQueue = async (name = 'rt') => (await s.ok(CreateWorkQueueDocument, { input: { name } })).createWorkQueue.id;
const types = (items: TaskEventsSubscription[]) => items.map((i) => i.taskEvents.type);

describe('taskEvents', () => {
  it('pushes every state change of a queue as it commits', async () => {
    const queueId = await newQueue();
    const sub = collect(ws.client, TaskEventsDocument, { queueId });
    await sleep(100); // subscription registered
    const task = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'watched' } })).enqueueTask;
    const held = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'w1' })).dequeueTask!;
    await s.ok(CompleteTaskDocument, { id: held.id, result: { ok: true } });
    const items = await sub.waitFor(3);
    expect(types(items)).toEqual(['CREATED', 'ASSIGNED', 'COMPLETED']);
    expect(items.every((i) => i.taskEvents.taskId === task.id && i.taskEvents.task.name === 'watched')).toBe(true);
    expect(items[1]!.taskEvents.agentId).toBe('w1');
    sub.stop();
  });

  it('replays after a cursor, then continues live, with no gap or repeat across a dropped connection', async () => {
    const queueId = await newQueue();
    const first = collect(ws.client, TaskEventsDocument, { queueId });
    await sleep(100);
    for (let i = 0; i < 3; i++) await s.ok(EnqueueTaskDocument, { queueId, input: { name: `a${i}` } });
    const seen = await first.waitFor(3);
    const cursor = seen.at(-1)!.taskEvents.id;

    // The agent's connection drops; work goes on without it.
    const dropped = wsClient(s.baseUrl!, { token: await s.tokenFor('alice') });
    await dropped.client.dispose();
    first.stop();
    for (let i = 3; i < 6; i++) await s.ok(EnqueueTaskDocument, { queueId, input: { name: `a${i}` } });

    // It reconnects with its cursor while more work keeps arriving.
    const again = wsClient(s.baseUrl!, { token: await s.tokenFor('alice') });
    const resumed = collect(again.client, TaskEventsDocument, { queueId, after: cursor });
    const writer = (async () => {
      for (let i = 6; i < 12; i++) await s.ok(EnqueueTaskDocument, { queueId, input: { name: `a${i}` } });
    })();
    await writer;
    const items = await resumed.waitFor(9);
    await sleep(300);
    expect(resumed.items.map((i) => i.taskEvents.task.name)).toEqual(Array.from({ length: 9 }, (_, i) => `a${i + 3}`));
    const ids = resumed.items.map((i) => BigInt(i.taskEvents.id));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    expect(items.length).toBe(9);
    resumed.stop();
    await again.client.dispose();
  });

  it('follows every queue of a team by teamId', async () => {
    const team = (await s.ok(CreateTeamDocument, { input: { name: 'rt-team', size: 2 } })).createTeam;
    const side = (await s.ok(CreateWorkQueueDocument, { input: { name: 'side', teamId: team.id } })).createWorkQueue.id;
    const sub = collect(ws.client, TaskEventsDocument, { teamId: team.id });
    await sleep(100);
    await s.ok(EnqueueTaskDocument, { queueId: team.queue.id, input: { name: 'main' } });
    await s.ok(EnqueueTaskDocument, { queueId: side, input: { name: 'side' } });
    await s.ok(EnqueueTaskDocument, { queueId: await newQueue('unrelated'), input: { name: 'elsewhere' } });
    await sub.waitFor(2);
    await sleep(200);
    expect(sub.items.map((i) => i.taskEvents.task.name).sort()).toEqual(['main', 'side']);
    sub.stop();
  });

  it('emits nothing for a change that rolled back', async () => {
    const queueId = await newQueue();
    const sub = collect(ws.client, TaskEventsDocument, { queueId });
    await sleep(100);
    await s.db
      .$transaction(async (tx) => {
        await tx.$executeRaw`INSERT INTO tasks (id, queue_id, name) VALUES ('wt_rolledback00000', ${queueId}, 'ghost')`;
        throw new Error('abort');
      })
      .catch(() => {});
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'real' } });
    await sub.waitFor(1);
    await sleep(300);
    expect(sub.items.map((i) => i.taskEvents.task.name)).toEqual(['real']);
    sub.stop();
  });

  it('drops the listener as soon as a client unsubscribes from a quiet queue', async () => {
    const queueId = await newQueue();
    const sub = collect(ws.client, TaskEventsDocument, { queueId });
    await sleep(200);
    expect(s.app.bus.hasListeners('queueTasks', queueId)).toBe(true);
    sub.stop();
    await sleep(200);
    expect(s.app.bus.hasListeners('queueTasks', queueId)).toBe(false);
  });

  it("refuses another owner's queue with NOT_FOUND", async () => {
    const queueId = await newQueue();
    const bob = wsClient(s.baseUrl!, { authorization: `Bearer ${await s.tokenFor('bob')}` });
    const sub = collect(bob.client, TaskEventsDocument, { queueId });
    await sleep(300);
    expect(JSON.stringify(sub.errors)).toMatch(/NOT_FOUND/);
    expect(sub.items).toEqual([]);
    await bob.client.dispose();
  });

  it('keeps delivering after the listener connection to PostgreSQL drops', async () => {
    const queueId = await newQueue();
    const sub = collect(ws.client, TaskEventsDocument, { queueId });
    await sleep(100);
    await s.app.events.disconnect();
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'during outage' } });
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'after' } });
    await sub.waitFor(2);
    expect(sub.items.map((i) => i.taskEvents.task.name)).toEqual(['during outage', 'after']);
    sub.stop();
  });
});

describe('teamEvents', () => {
  it('reports members going busy and idle, dispatch progress, and ends with TEAM_STOPPED', async () => {
    const team = (await s.ok(CreateTeamDocument, { input: { name: 'watched-team', size: 2 } })).createTeam;
    const sub = collect(ws.client, TeamEventsDocument, { teamId: team.id });
    await sleep(100);
    const d = (await s.ok(DispatchToTeamDocument, { teamId: team.id, input: { task: 'go', parallel: true } })).dispatchToTeam;
    const t1 = (await s.ok(DequeueTaskDocument, { queueId: team.queue.id, agentId: 'agent-1' })).dequeueTask!;
    await s.ok(CompleteTaskDocument, { id: t1.id, result: { done: 1 } });
    await s.ok(StopTeamDocument, { id: team.id });
    await sub.waitFor(8);
    const end = Date.now() + 5000;
    while (!sub.completed && Date.now() < end) await sleep(20);
    const items = sub.items;
    const summary = items.map((i) => [i.teamEvents.type, i.teamEvents.agent, i.teamEvents.state ?? i.teamEvents.taskStatus]);
    expect(summary).toEqual([
      ['DISPATCH_PROGRESS', null, 'PENDING'],
      ['DISPATCH_PROGRESS', null, 'PENDING'],
      ['MEMBER_STATE', 'agent-1', 'BUSY'],
      ['DISPATCH_PROGRESS', 'agent-1', 'ASSIGNED'],
      ['MEMBER_STATE', 'agent-1', 'IDLE'],
      ['DISPATCH_PROGRESS', 'agent-1', 'COMPLETED'],
      ['DISPATCH_PROGRESS', null, 'CANCELLED'],
      ['TEAM_STOPPED', null, null],
    ]);
    expect(summary.filter((x) => x[0] === 'MEMBER_STATE')).toEqual([
      ['MEMBER_STATE', 'agent-1', 'BUSY'],
      ['MEMBER_STATE', 'agent-1', 'IDLE'],
    ]);
    expect(items.find((i) => i.teamEvents.taskStatus === 'COMPLETED')!.teamEvents.dispatch!.id).toBe(d.id);
    expect(sub.completed).toBe(true);
  });
});

describe('teamEvents after the end', () => {
  it('delivers TEAM_STOPPED and completes when subscribing to a team already stopped', async () => {
    const team = (await s.ok(CreateTeamDocument, { input: { name: 'already-over' } })).createTeam;
    await s.ok(StopTeamDocument, { id: team.id });
    const sub = collect(ws.client, TeamEventsDocument, { teamId: team.id });
    await sub.waitFor(1);
    const end = Date.now() + 5000;
    while (!sub.completed && Date.now() < end) await sleep(20);
    expect(sub.items.map((i) => i.teamEvents.type)).toEqual(['TEAM_STOPPED']);
    expect(sub.completed).toBe(true);
  });
});

describe('websocket errors', () => {
  it('answers a syntax error on its operation and keeps the connection for the others', async () => {
    const queueId = await newQueue();
    const c = wsClient(s.baseUrl!, { token: await s.tokenFor('alice') });
    const good = collect(c.client, TaskEventsDocument, { queueId });
    const errors: unknown[] = [];
    c.client.subscribe({ query: 'subscription { taskEvents(' }, { next: () => {}, error: (e) => errors.push(e), complete: () => {} });
    await sleep(300);
    expect(JSON.stringify(errors)).toMatch(/Syntax Error/);
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'still here' } });
    await good.waitFor(1);
    expect(c.closed()).toBeUndefined();
    await c.client.dispose();
  });
});

describe('websocket authentication', () => {
  it.each([
    ['no token', undefined],
    ['a bad token', { authorization: 'Bearer nonsense' }],
  ])('closes the socket with 4401 for %s', async (_label, params) => {
    const c = wsClient(s.baseUrl!, params);
    const end = Date.now() + 5000;
    while (!c.closed() && Date.now() < end) await sleep(20);
    expect(c.closed()?.code).toBe(4401);
    await c.client.dispose();
  });

  it('ends the connection when the token expires', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(new TextEncoder().encode(s.secret));
    const c = wsClient(s.baseUrl!, { token });
    await sleep(300);
    expect(c.closed()).toBeUndefined();
    const end = Date.now() + 8000;
    while (!c.closed() && Date.now() < end) await sleep(50);
    expect(c.closed()?.code).toBe(4401);
    await c.client.dispose();
  });
});

describe('long-poll dequeue', () => {
  it('answers as soon as a task arrives', async () => {
    const queueId = await newQueue();
    const started = Date.now();
    const waiting = s.ok(DequeueTaskWaitingDocument, { queueId, agentId: 'poller', waitSeconds: 20 });
    await sleep(300);
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'arrived' } });
    const { dequeueTask } = await waiting;
    expect(dequeueTask).toMatchObject({ name: 'arrived', assignedAgentId: 'poller' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('gives one new task to exactly one of many waiting agents; the others get null at the end of the wait', async () => {
    const queueId = await newQueue();
    const waits = Array.from({ length: 10 }, (_, i) => s.ok(DequeueTaskWaitingDocument, { queueId, agentId: `w${i}`, waitSeconds: 2 }));
    await sleep(300);
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'only one' } });
    const results = await Promise.all(waits);
    expect(results.filter((r) => r.dequeueTask).map((r) => r.dequeueTask!.name)).toEqual(['only one']);
    expect(results.filter((r) => r.dequeueTask === null)).toHaveLength(9);
  });

  it('hands nothing to a poller that went away', async () => {
    const queueId = await newQueue();
    const token = await s.tokenFor('alice');
    for (const [path, body] of [
      ['/graphql', { query: `mutation($q: ID!) { dequeueTask(queueId: $q, agentId: "gone", waitSeconds: 20) { id } }`, variables: { q: queueId } }],
      [`/work-queues/${queueId}/dequeue?wait=20`, { agentId: 'gone' }],
    ] as const) {
      const leaving = new AbortController();
      const request = fetch(`${s.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
        signal: leaving.signal,
      }).catch(() => undefined);
      await sleep(200);
      leaving.abort();
      await request;
      await sleep(200);
      const task = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: `for nobody via ${path}` } })).enqueueTask;
      await sleep(500);
      expect((await s.db.task.findUniqueOrThrow({ where: { id: task.id } })).status).toBe('PENDING');
      await s.ok(DequeueTaskDocument, { queueId, agentId: 'cleanup' });
    }
  });

  it('hands nothing to a poller whose websocket closed', async () => {
    const queueId = await newQueue();
    const c = wsClient(s.baseUrl!, { token: await s.tokenFor('alice') });
    c.client.subscribe(
      { query: `mutation($q: ID!) { dequeueTask(queueId: $q, agentId: "ws-gone", waitSeconds: 20) { id } }`, variables: { q: queueId } },
      { next: () => {}, error: () => {}, complete: () => {} },
    );
    await sleep(300);
    await c.client.dispose();
    await sleep(200);
    const task = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'for nobody' } })).enqueueTask;
    await sleep(500);
    expect((await s.db.task.findUniqueOrThrow({ where: { id: task.id } })).status).toBe('PENDING');
  });

  it('rejects a wait over 30 seconds', async () => {
    const queueId = await newQueue();
    const res = await s.gql(DequeueTaskWaitingDocument, { queueId, agentId: 'x', waitSeconds: 31 });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'waitSeconds' });
  });
});

describe('SSE', () => {
  it('streams subscriptions over server-sent events too', async () => {
    const queueId = await newQueue();
    const controller = new AbortController();
    const res = await fetch(`${s.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${await s.tokenFor('alice')}` },
      body: JSON.stringify({ query: `subscription($q: ID!) { taskEvents(queueId: $q) { type task { name } } }`, variables: { q: queueId } }),
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    await sleep(200);
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'over sse' } });
    let text = '';
    const end = Date.now() + 5000;
    while (!text.includes('over sse') && Date.now() < end) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/"type":"CREATED"/);
    controller.abort();
  });

  it('ends an SSE subscription when its token expires', async () => {
    const queueId = await newQueue();
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(new TextEncoder().encode(s.secret));
    const res = await fetch(`${s.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `subscription($q: ID!) { taskEvents(queueId: $q) { type } }`, variables: { q: queueId } }),
    });
    const started = Date.now();
    const text = await res.text(); // returns once the server ends the stream
    expect(text).toMatch(/UNAUTHENTICATED/);
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
