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
  WorkQueuesDocument,
  type TaskEventsSubscription,
} from './generated/graphql.js';
import { eventually, waitFor } from './helpers/eventually.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { collect, type WsClient } from './helpers/ws.js';

let s: TestServer;
let ws: WsClient;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
  ws = await s.wsClient();
});
afterAll(() => s.stop());

const newQueue = async (name = 'rt') => (await s.ok(CreateWorkQueueDocument, { input: { name } })).createWorkQueue.id;
const types = (items: TaskEventsSubscription[]) => items.map((i) => i.taskEvents.type);

describe('taskEvents', () => {
  it('holds many subscribers on one server without listener warnings (no per-subscription resync listeners)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const queueId = await newQueue();
      const clients = await Promise.all(Array.from({ length: 5 }, () => s.wsClient()));
      const subs = clients.flatMap((c) => Array.from({ length: 6 }, () => collect(c.client, TaskEventsDocument, { queueId })));
      await s.whenSubscribed('queueTasks', queueId, subs.length);
      await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'for everyone' } });
      for (const sub of subs) await sub.waitFor(1);
      expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
      for (const sub of subs) sub.stop();
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('pushes every state change of a queue as it commits', async () => {
    const queueId = await newQueue();
    const sub = collect(ws.client, TaskEventsDocument, { queueId });
    await s.whenSubscribed('queueTasks', queueId);
    const task = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'watched' } })).enqueueTask;
    const held = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'w1' })).dequeueTask!;
    await s.ok(CompleteTaskDocument, { id: held.id, result: { ok: true } });
    const items = await sub.waitFor(3);
    expect(types(items)).toEqual(['CREATED', 'ASSIGNED', 'COMPLETED']);
    expect(items.every((i) => i.taskEvents.taskId === task.id && i.taskEvents.task.name === 'watched')).toBe(true);
    expect(items[1]!.taskEvents.agentId).toBe('w1');
    sub.stop();
  });

  it("shows each event's task as it is when the event is delivered, not as the subscription first saw it", async () => {
    const queueId = await newQueue();
    const sub = collect(ws.client, TaskEventsDocument, { queueId });
    await s.whenSubscribed('queueTasks', queueId);
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'fresh' } });
    await sub.waitFor(1);
    const held = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'w1' })).dequeueTask!;
    await sub.waitFor(2);
    await s.ok(CompleteTaskDocument, { id: held.id, result: { ok: true } });
    const items = await sub.waitFor(3);
    expect(items.map((i) => [i.taskEvents.type, i.taskEvents.task.status])).toEqual([
      ['CREATED', 'PENDING'],
      ['ASSIGNED', 'ASSIGNED'],
      ['COMPLETED', 'COMPLETED'],
    ]);
    sub.stop();
  });

  it("replays the owner's events of every queue after a cursor (no queue named), none of another owner's, then goes live", async () => {
    const mine = await newQueue('all-mine');
    const theirs = (await s.ok(CreateWorkQueueDocument, { input: { name: 'all-theirs' } }, 'bob')).createWorkQueue.id;
    const other = await newQueue('all-other');
    await s.ok(EnqueueTaskDocument, { queueId: mine, input: { name: 'before' } });
    const cursor = (await s.db.taskEvent.findFirstOrThrow({ orderBy: { id: 'desc' } })).id.toString();
    await s.ok(EnqueueTaskDocument, { queueId: theirs, input: { name: 'bob-1' } }, 'bob');
    await s.ok(EnqueueTaskDocument, { queueId: mine, input: { name: 'mine-1' } });
    await s.ok(EnqueueTaskDocument, { queueId: other, input: { name: 'other-1' } });
    const sub = collect(ws.client, TaskEventsDocument, { after: cursor });
    const replayed = await sub.waitFor(2);
    expect(replayed.map((i) => [i.taskEvents.queueId, i.taskEvents.task.name])).toEqual([
      [mine, 'mine-1'],
      [other, 'other-1'],
    ]);
    await s.ok(EnqueueTaskDocument, { queueId: theirs, input: { name: 'bob-2' } }, 'bob');
    await s.ok(EnqueueTaskDocument, { queueId: mine, input: { name: 'mine-live' } });
    const all = await sub.waitFor(3);
    expect(all.map((i) => i.taskEvents.task.name)).toEqual(['mine-1', 'other-1', 'mine-live']);
    sub.stop();
  });

  it('replays after a cursor, then continues live, with no gap or repeat across a dropped connection', async () => {
    const queueId = await newQueue();
    const first = collect(ws.client, TaskEventsDocument, { queueId });
    await s.whenSubscribed('queueTasks', queueId);
    for (let i = 0; i < 3; i++) await s.ok(EnqueueTaskDocument, { queueId, input: { name: `a${i}` } });
    const seen = await first.waitFor(3);
    const cursor = seen.at(-1)!.taskEvents.id;

    // The agent's connection drops; work goes on without it.
    const dropped = await s.wsClient({ token: await s.tokenFor('alice') });
    await dropped.client.dispose();
    first.stop();
    for (let i = 3; i < 6; i++) await s.ok(EnqueueTaskDocument, { queueId, input: { name: `a${i}` } });

    // It reconnects with its cursor while more work keeps arriving.
    const again = await s.wsClient({ token: await s.tokenFor('alice') });
    const resumed = collect(again.client, TaskEventsDocument, { queueId, after: cursor });
    const writer = (async () => {
      for (let i = 6; i < 12; i++) await s.ok(EnqueueTaskDocument, { queueId, input: { name: `a${i}` } });
    })();
    await writer;
    await resumed.waitFor(9);
    // No repeat may follow: a marker enqueued now arrives after anything still under way, as the 10th item.
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'marker' } });
    const items = await resumed.waitFor(10);
    expect(items.map((i) => i.taskEvents.task.name)).toEqual([...Array.from({ length: 9 }, (_, i) => `a${i + 3}`), 'marker']);
    const ids = items.map((i) => BigInt(i.taskEvents.id));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    expect(items.length).toBe(10);
    resumed.stop();
    await again.client.dispose();
  });

  it('follows every queue of a team by teamId', async () => {
    const team = (await s.ok(CreateTeamDocument, { input: { name: 'rt-team', size: 2 } })).createTeam;
    const side = (await s.ok(CreateWorkQueueDocument, { input: { name: 'side', teamId: team.id } })).createWorkQueue.id;
    const sub = collect(ws.client, TaskEventsDocument, { teamId: team.id });
    await s.whenSubscribed('teamTasks', team.id);
    await s.ok(EnqueueTaskDocument, { queueId: team.queue.id, input: { name: 'main' } });
    await s.ok(EnqueueTaskDocument, { queueId: side, input: { name: 'side' } });
    await s.ok(EnqueueTaskDocument, { queueId: await newQueue('unrelated'), input: { name: 'elsewhere' } });
    // A marker in the team's queue, enqueued after the unrelated task: the third item must be it.
    await s.ok(EnqueueTaskDocument, { queueId: team.queue.id, input: { name: 'marker' } });
    const names = (await sub.waitFor(3)).map((i) => i.taskEvents.task.name);
    expect(names.slice(0, 2).sort()).toEqual(['main', 'side']);
    expect(names.slice(2)).toEqual(['marker']);
    sub.stop();
  });

  it('emits nothing for a change that rolled back', async () => {
    const queueId = await newQueue();
    const sub = collect(ws.client, TaskEventsDocument, { queueId });
    await s.whenSubscribed('queueTasks', queueId);
    await s.db
      .$transaction(async (tx) => {
        await tx.$executeRaw`INSERT INTO tasks (id, queue_id, name) VALUES ('wt_rolledback00000', ${queueId}, 'ghost')`;
        throw new Error('abort');
      })
      .catch(() => {});
    // The real task comes after the rolled-back one: an event of the ghost would arrive first.
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'real' } });
    await sub.waitFor(1);
    expect(sub.items.map((i) => i.taskEvents.task.name)).toEqual(['real']);
    sub.stop();
  });

  it('drops the listener as soon as a client unsubscribes from a quiet queue', async () => {
    const queueId = await newQueue();
    const sub = collect(ws.client, TaskEventsDocument, { queueId });
    await waitFor(() => s.app.bus.hasListeners('queueTasks', queueId), { what: 'the listener to be added' });
    sub.stop();
    await eventually(() => expect(s.app.bus.hasListeners('queueTasks', queueId)).toBe(false), { what: 'the listener to be dropped', timeoutMs: 2_000 });
  });

  it("refuses another owner's queue with NOT_FOUND", async () => {
    const queueId = await newQueue();
    const bob = await s.wsClient({ authorization: `Bearer ${await s.tokenFor('bob')}` });
    const sub = collect(bob.client, TaskEventsDocument, { queueId });
    // An error ends the operation: nothing can arrive after it.
    await waitFor(() => sub.errors.length > 0, { what: "bob's subscription to be refused" });
    expect(JSON.stringify(sub.errors)).toMatch(/NOT_FOUND/);
    expect(sub.items).toEqual([]);
    await bob.client.dispose();
  });

  it('keeps delivering after the listener connection to PostgreSQL drops', async () => {
    const queueId = await newQueue();
    const sub = collect(ws.client, TaskEventsDocument, { queueId });
    await s.whenSubscribed('queueTasks', queueId);
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
    await s.whenSubscribed('teamEvents', team.id);
    const d = (await s.ok(DispatchToTeamDocument, { teamId: team.id, input: { task: 'go', parallel: true } })).dispatchToTeam;
    const t1 = (await s.ok(DequeueTaskDocument, { queueId: team.queue.id, agentId: 'agent-1' })).dequeueTask!;
    await s.ok(CompleteTaskDocument, { id: t1.id, result: { done: 1 } });
    await s.ok(StopTeamDocument, { id: team.id });
    await sub.waitFor(8);
    await waitFor(() => sub.completed, { what: 'the stream to complete', timeoutMs: 5_000 });
    // The members' MEMBER_ADDED events of the creation may arrive too (committed just before the subscription, not yet delivered).
    const items = sub.items.filter((i) => i.teamEvents.type !== 'MEMBER_ADDED');
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
    await waitFor(() => sub.completed, { what: 'the stream to complete', timeoutMs: 5_000 });
    expect(sub.items.map((i) => i.teamEvents.type)).toEqual(['TEAM_STOPPED']);
    expect(sub.completed).toBe(true);
  });
});

describe('websocket errors', () => {
  it('answers a syntax error on its operation and keeps the connection for the others', async () => {
    const queueId = await newQueue();
    const c = await s.wsClient({ token: await s.tokenFor('alice') });
    const good = collect(c.client, TaskEventsDocument, { queueId });
    const errors: unknown[] = [];
    c.client.subscribe({ query: 'subscription { taskEvents(' }, { next: () => {}, error: (e) => errors.push(e), complete: () => {} });
    await waitFor(() => errors.length > 0, { what: 'the syntax error' });
    expect(JSON.stringify(errors)).toMatch(/Syntax Error/);
    await s.whenSubscribed('queueTasks', queueId);
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'still here' } });
    await good.waitFor(1);
    expect(c.closed()).toBeUndefined();
    await c.client.dispose();
  });
});

describe('websocket authentication', () => {
  it.each([
    ['no token', null],
    ['a bad token', { authorization: 'Bearer nonsense' }],
  ])('closes the socket with 4401 for %s', async (_label, params) => {
    const c = await s.wsClient(params);
    await waitFor(() => c.closed(), { what: 'the server to close the socket', timeoutMs: 5_000 });
    expect(c.closed()?.code).toBe(4401);
    await c.client.dispose();
  });

  it('ends the connection when the token expires', async () => {
    const c = await s.wsClient({ token: await s.tokens.mint('alice', '2s') });
    // Accepted and serving: an operation over it gets its answer while the token is valid.
    const answer = collect(c.client, WorkQueuesDocument, {});
    await answer.waitFor(1);
    expect(c.connected()).toBe(true);
    expect(c.closed()).toBeUndefined();
    await waitFor(() => c.closed(), { what: 'the server to close the socket', timeoutMs: 8_000 });
    expect(c.closed()?.code).toBe(4401);
    await c.client.dispose();
  });
});

describe('long-poll dequeue', () => {
  it('answers as soon as a task arrives', async () => {
    const queueId = await newQueue();
    const started = Date.now();
    const waiting = s.ok(DequeueTaskWaitingDocument, { queueId, agentId: 'poller', waitSeconds: 20 });
    await s.whenSubscribed('work', queueId); // the poll is waiting
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'arrived' } });
    const { dequeueTask } = await waiting;
    expect(dequeueTask).toMatchObject({ name: 'arrived', assignedAgentId: 'poller' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('gives one new task to exactly one of many waiting agents; the others get null at the end of the wait', async () => {
    const queueId = await newQueue();
    const waits = Array.from({ length: 10 }, (_, i) => s.ok(DequeueTaskWaitingDocument, { queueId, agentId: `w${i}`, waitSeconds: 2 }));
    await s.whenSubscribed('work', queueId, 10); // all ten are waiting
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
      await s.whenSubscribed('work', queueId); // the poll is waiting
      leaving.abort();
      await request;
      // The server ends the poll: it no longer waits for work, so no task can be handed to it.
      await waitFor(() => !s.app.bus.hasListeners('work', queueId), { what: `the poll via ${path} to end` });
      const task = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: `for nobody via ${path}` } })).enqueueTask;
      expect((await s.db.task.findUniqueOrThrow({ where: { id: task.id } })).status).toBe('PENDING');
      expect((await s.ok(DequeueTaskDocument, { queueId, agentId: 'cleanup' })).dequeueTask?.id).toBe(task.id);
    }
  });

  it('hands nothing to a poller whose websocket closed', async () => {
    const queueId = await newQueue();
    const c = await s.wsClient({ token: await s.tokenFor('alice') });
    c.client.subscribe(
      { query: `mutation($q: ID!) { dequeueTask(queueId: $q, agentId: "ws-gone", waitSeconds: 20) { id } }`, variables: { q: queueId } },
      { next: () => {}, error: () => {}, complete: () => {} },
    );
    await s.whenSubscribed('work', queueId); // the poll is waiting
    await c.client.dispose();
    // The server ends the poll: it no longer waits for work, so no task can be handed to it.
    await waitFor(() => !s.app.bus.hasListeners('work', queueId), { what: 'the poll to end' });
    const task = (await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'for nobody' } })).enqueueTask;
    expect((await s.db.task.findUniqueOrThrow({ where: { id: task.id } })).status).toBe('PENDING');
    expect((await s.ok(DequeueTaskDocument, { queueId, agentId: 'cleanup' })).dequeueTask?.id).toBe(task.id);
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
    await s.whenSubscribed('queueTasks', queueId);
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'over sse' } });
    let text = '';
    const end = Date.now() + 5000;
    while (!text.includes('over sse') && Date.now() < end) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/"type":"CREATED"/);
    controller.abort();
  });

  it('ends an SSE subscription when its token expires', async () => {
    const queueId = await newQueue();
    const token = await s.tokens.mint('alice', '2s');
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
