import { Role, TaskState, type Message, type Part, type StreamResponse, type Task } from '@a2a-js/sdk';
import { ClientFactory, DefaultAgentCardResolver, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteTaskDocument,
  CreateTeamDocument,
  DequeueTaskDocument,
  InputOfTaskDocument,
  McpTestCreateAgentTokenDocument,
  ProvideInputDocument,
  RequestInputDocument,
  TaskDocument,
} from './generated/graphql.js';
import { waitFor } from './helpers/eventually.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// The A2A front end end to end: the SDK's own client against a real server on a free port, the
// team's members acting through GraphQL as agents do.
let s: TestServer;
let teamId: string;
let queueId: string;
let alice: Client;

/** fetch with the owner's bearer token, for the SDK's card resolver and transport. */
const authorizedFetch = (token: string): typeof fetch => (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

async function clientOf(team: string, owner = 'alice'): Promise<Client> {
  const fetchImpl = authorizedFetch(await s.tokenFor(owner));
  const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl })], cardResolver: new DefaultAgentCardResolver({ fetchImpl }) });
  return factory.createFromUrl(`${s.baseUrl}/a2a/teams/${team}/`);
}

const text = (value: string): Part => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' });
const data = (value: unknown): Part => ({ content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: 'application/json' });
const message = (parts: Part[], extra: Partial<Message> = {}): Message => ({
  messageId: crypto.randomUUID(),
  contextId: '',
  taskId: '',
  role: Role.ROLE_USER,
  parts,
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
  ...extra,
});
const send = (client: Client, parts: Part[], options: { returnImmediately?: boolean; extra?: Partial<Message> } = {}) =>
  client.sendMessage({
    tenant: '',
    message: message(parts, options.extra),
    configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: options.returnImmediately ?? false },
    metadata: undefined,
  }) as Promise<Task>;

/** A member takes the team's next task (as its agent process would). */
const take = async (agentId = 'agent-1') => (await s.ok(DequeueTaskDocument, { queueId, agentId })).dequeueTask!;
const complete = (id: string, leaseToken: string | null, result: Record<string, unknown>) => s.ok(CompleteTaskDocument, { id, leaseToken, result });

/** Collects a stream's events in the background, so a test can wait for them and act meanwhile. */
function collect(stream: AsyncGenerator<StreamResponse>) {
  const events: StreamResponse[] = [];
  let error: unknown;
  const done = (async () => {
    try {
      for await (const event of stream) events.push(event);
    } catch (err) {
      error = err;
    }
  })();
  return { events, done, error: () => error };
}

/** What a stream told, in short: `task:<state>`, `status:<state>@<cursor>`, `artifact`. */
function described(event: StreamResponse): string {
  const p = event.payload!;
  if (p.$case === 'task') return `task:${TaskState[p.value.status!.state]}`;
  if (p.$case === 'statusUpdate') return `status:${TaskState[p.value.status!.state]}`;
  if (p.$case === 'artifactUpdate') return 'artifact';
  return p.$case;
}
const cursorOf = (event: StreamResponse) => (event.payload?.$case === 'statusUpdate' ? (event.payload.value.metadata?.cursor as string) : undefined);

beforeAll(async () => {
  s = await startTestServer({ listen: true });
  const { createTeam } = await s.ok(CreateTeamDocument, { input: { name: 'researchers', mode: 'research', model: 'claude', size: 2 } });
  teamId = createTeam.id;
  queueId = createTeam.queue.id;
  alice = await clientOf(teamId);
});
afterAll(() => s?.stop());

describe('the agent card', () => {
  it("describes the team: name, members, its mode as a skill, streaming, the JSON-RPC URL", async () => {
    const card = await alice.getAgentCard();
    expect(card.name).toBe('researchers');
    expect(card.description).toContain('agent-1, agent-2');
    expect(card.skills.map((k) => k.id)).toEqual(['research']);
    expect(card.capabilities?.streaming).toBe(true);
    expect(card.supportedInterfaces[0]).toMatchObject({ url: `${s.baseUrl}/a2a/teams/${teamId}`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' });
  });

  it("needs the owner's token and answers 404 for another owner's team", async () => {
    const url = `${s.baseUrl}/a2a/teams/${teamId}/.well-known/agent-card.json`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(url, { headers: { authorization: 'Bearer not-a-token' } })).status).toBe(401);
    const bob = await fetch(url, { headers: { authorization: `Bearer ${await s.tokenFor('bob')}` } });
    expect(bob.status).toBe(404);
    expect(await bob.text()).not.toContain('researchers');
    await expect(clientOf(teamId, 'bob')).rejects.toThrow(/404/);
  });
});

describe('message/send', () => {
  it('puts the work on the team queue; an agent completing it shows completed with the result in tasks/get', async () => {
    const submitted = await send(alice, [text('Find papers on quantum error correction'), data({ years: [2025, 2026] })], {
      returnImmediately: true,
      extra: { metadata: { tools: ['web_search'] } },
    });
    expect(submitted.id).toMatch(/^wt_/);
    expect(submitted.contextId).toMatch(/^dsp_/);
    expect(submitted.status?.state).toBe(TaskState.TASK_STATE_SUBMITTED);
    // The cursor of its CREATED event, to resubscribe from.
    expect(submitted.metadata).toMatchObject({ status: 'PENDING', cursor: expect.stringMatching(/^\d+$/) });

    const held = await take();
    expect(held.id).toBe(submitted.id);
    expect(held.payload).toMatchObject({ task: 'Find papers on quantum error correction\n\n{"years":[2025,2026]}', tools: ['web_search'] });
    expect((await alice.getTask({ tenant: '', id: submitted.id })).status?.state).toBe(TaskState.TASK_STATE_WORKING);

    await complete(held.id, held.leaseToken, { text: '3 papers', papers: 3 });
    const done = await alice.getTask({ tenant: '', id: submitted.id });
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(done.artifacts).toHaveLength(1);
    expect(done.artifacts[0]!.parts.map((p) => p.content)).toEqual([
      { $case: 'text', value: '3 papers' },
      { $case: 'data', value: { text: '3 papers', papers: 3 } },
    ]);
  });

  it('blocks by default until the task is done', async () => {
    const answer = send(alice, [text('Summarise the findings')]);
    const held = await waitFor(async () => (await s.ok(DequeueTaskDocument, { queueId, agentId: 'agent-2' })).dequeueTask, { what: 'the dispatched task' });
    await complete(held.id, held.leaseToken, { summary: 'short' });
    const task = await answer;
    expect(task.id).toBe(held.id);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });
});

describe('message/stream', () => {
  it('streams the task, then working and completed as an agent claims and completes it', async () => {
    const stream = collect(
      alice.sendMessageStream({
        tenant: '',
        message: message([text('Draft the report')]),
        configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: false },
        metadata: undefined,
      }),
    );
    await waitFor(() => stream.events.length >= 1, { what: 'the task' });
    const held = await take();
    await waitFor(() => stream.events.some((e) => described(e) === 'status:TASK_STATE_WORKING'), { what: 'working' });
    await complete(held.id, held.leaseToken, { report: 'ok' });
    await stream.done;
    expect(stream.error()).toBeUndefined();
    // Each event of our log once: the Task shows CREATED (its cursor in metadata), then the rest.
    expect(stream.events.map(described)).toEqual(['task:TASK_STATE_SUBMITTED', 'status:TASK_STATE_WORKING', 'artifact', 'status:TASK_STATE_COMPLETED']);
    const first = stream.events[0]!.payload!.value as Task;
    expect(first.id).toBe(held.id);
    const { task: final } = await s.ok(TaskDocument, { id: held.id });
    expect([first.metadata?.cursor, ...stream.events.map(cursorOf).filter(Boolean)]).toEqual(final.events.map((e) => e.id));
  });
});

describe('tasks/cancel', () => {
  it('cancels pending team work; a finished task is not cancelable', async () => {
    const task = await send(alice, [text('Never mind')], { returnImmediately: true });
    const cancelled = await alice.cancelTask({ tenant: '', id: task.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect((await s.ok(TaskDocument, { id: task.id })).task.status).toBe('CANCELLED');
    await expect(alice.cancelTask({ tenant: '', id: task.id, metadata: undefined })).rejects.toMatchObject({ name: 'TaskNotCancelableError' });
  });
});

describe('input required', () => {
  it('shows the question, and a message with the taskId answers it', async () => {
    const task = await send(alice, [text('Pick the venue')], { returnImmediately: true });
    const held = await take();
    await s.ok(RequestInputDocument, { id: held.id, leaseToken: held.leaseToken!, request: { question: 'Berlin or Lisbon?' } });
    const waiting = await alice.getTask({ tenant: '', id: task.id });
    expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(waiting.status?.message?.parts[0]?.content).toEqual({ $case: 'text', value: 'Berlin or Lisbon?' });

    const answer = send(alice, [text('Lisbon')], { extra: { taskId: task.id } });
    await waitFor(async () => (await s.ok(TaskDocument, { id: task.id })).task.status === 'ASSIGNED', { what: 'the answered task held again' });
    const { task: resumed } = await s.ok(TaskDocument, { id: task.id });
    expect(resumed.payload).toBeTruthy();
    await complete(task.id, resumed.leaseToken, { venue: 'Lisbon' });
    expect((await answer).status?.state).toBe(TaskState.TASK_STATE_COMPLETED);

    // A task not waiting for input takes no message.
    await expect(send(alice, [text('again')], { extra: { taskId: task.id } })).rejects.toMatchObject({ name: 'UnsupportedOperationError' });
  });
});

describe('input required, streamed', () => {
  it('message/stream with the taskId answers, then streams working and completed', async () => {
    const task = await send(alice, [text('Plan the trip')], { returnImmediately: true });
    const held = await take();
    await s.ok(RequestInputDocument, { id: held.id, leaseToken: held.leaseToken!, request: { question: 'Train or plane?' } });
    const stream = collect(
      alice.sendMessageStream({
        tenant: '',
        message: message([text('Train'), data({ budget: 300 })], { taskId: task.id }),
        configuration: { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: false },
        metadata: undefined,
      }),
    );
    await waitFor(() => stream.events.length >= 1, { what: 'the answered task' });
    const { task: resumed } = await s.ok(InputOfTaskDocument, { id: task.id });
    expect(resumed.inputResponse).toMatchObject({ text: 'Train', data: [{ budget: 300 }], messageId: expect.any(String) });
    await complete(task.id, resumed.leaseToken, { booked: true });
    await stream.done;
    expect(stream.error()).toBeUndefined();
    expect(stream.events.map(described)).toEqual(['task:TASK_STATE_WORKING', 'artifact', 'status:TASK_STATE_COMPLETED']);
  });
});

describe('tasks/resubscribe', () => {
  it('after a cut connection, resumes from the last cursor: exactly the missed events, in order, none repeated', async () => {
    const task = await send(alice, [text('Long research')], { returnImmediately: true });
    const cut = new AbortController();
    const first = collect(alice.resubscribeTask({ tenant: '', id: task.id }, { signal: cut.signal }));
    await waitFor(() => first.events.length >= 1, { what: 'the task snapshot' });
    expect(described(first.events[0]!)).toBe('task:TASK_STATE_SUBMITTED');
    const held = await take();
    await waitFor(() => first.events.length >= 2, { what: 'working' });
    expect(described(first.events[1]!)).toBe('status:TASK_STATE_WORKING');
    const lastSeen = cursorOf(first.events[1]!)!;

    // The connection drops; the server lets go of its subscription.
    const open = s.subscriptions('teamTasks', teamId);
    cut.abort();
    await first.done;
    await waitFor(() => s.subscriptions('teamTasks', teamId) < open, { what: 'the dropped stream closed on the server' });

    // Meanwhile the task moves on.
    await s.ok(RequestInputDocument, { id: held.id, leaseToken: held.leaseToken!, request: { question: 'Include preprints?' } });
    await s.ok(ProvideInputDocument, { id: held.id, response: { text: 'yes' } });
    const { task: resumed } = await s.ok(TaskDocument, { id: held.id });
    await complete(held.id, resumed.leaseToken, { papers: 12 });

    const second = collect(alice.resubscribeTask({ tenant: '', id: task.id }, { serviceParameters: { 'Last-Event-ID': lastSeen } }));
    await second.done;
    expect(second.error()).toBeUndefined();
    expect(second.events.map(described)).toEqual(['status:TASK_STATE_INPUT_REQUIRED', 'status:TASK_STATE_WORKING', 'artifact', 'status:TASK_STATE_COMPLETED']);
    // The same events as our log holds after the cursor, each once.
    const { task: final } = await s.ok(TaskDocument, { id: held.id });
    const missed = final.events.filter((e) => BigInt(e.id) > BigInt(lastSeen)).map((e) => e.id);
    expect(second.events.map(cursorOf).filter(Boolean)).toEqual(missed);
    expect(missed).toHaveLength(3);

    // From the last cursor of a finished task: nothing more, at once.
    const after = collect(alice.resubscribeTask({ tenant: '', id: task.id }, { serviceParameters: { 'Last-Event-ID': missed.at(-1)! } }));
    await after.done;
    expect(after.events).toEqual([]);
    // Without a cursor a finished task has nothing to follow.
    const none = collect(alice.resubscribeTask({ tenant: '', id: task.id }));
    await none.done;
    expect(none.error()).toMatchObject({ name: 'UnsupportedOperationError' });
  });
});

describe('SSE event ids', () => {
  it('are the cursors, and Last-Event-ID resumes after one (0.3 tasks/resubscribe, raw)', async () => {
    const task = await send(alice, [text('Quick one')], { returnImmediately: true });
    const held = await take();
    await complete(held.id, held.leaseToken, { ok: true });
    const { task: final } = await s.ok(TaskDocument, { id: held.id });
    const res = await fetch(`${s.baseUrl}/a2a/teams/${teamId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await s.tokenFor('alice')}`, 'content-type': 'application/json', 'last-event-id': final.events[0]!.id },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tasks/resubscribe', params: { id: task.id } }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const body = await res.text();
    const ids = [...body.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]);
    expect(ids).toEqual(final.events.slice(1).map((e) => e.id));
    const states = [...body.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!).result).map((r) => r.status?.state ?? r.kind);
    expect(states).toEqual(['working', 'artifact-update', 'completed']);
  });
});

describe('errors', () => {
  it("answers task not found for another team's or an unknown task, and 404 for another owner's team", async () => {
    const { createTeam: other } = await s.ok(CreateTeamDocument, { input: { name: 'others', size: 1 } });
    const otherClient = await clientOf(other.id);
    const task = await send(otherClient, [text('elsewhere')], { returnImmediately: true });
    await expect(alice.getTask({ tenant: '', id: task.id })).rejects.toMatchObject({ name: 'TaskNotFoundError', envelopeCode: -32001 });
    await expect(alice.getTask({ tenant: '', id: 'wt_doesnotexist' })).rejects.toMatchObject({ name: 'TaskNotFoundError' });
    await expect(alice.cancelTask({ tenant: '', id: task.id, metadata: undefined })).rejects.toMatchObject({ name: 'TaskNotFoundError' });

    const rpc = await fetch(`${s.baseUrl}/a2a/teams/${teamId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await s.tokenFor('bob')}`, 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'GetTask', params: { id: task.id } }),
    });
    expect(rpc.status).toBe(404);
    expect(await rpc.json()).toMatchObject({ id: 7, error: { message: `team ${teamId} not found` } });
  });

  it('answers invalid params naming the field, and JSON-RPC errors for bad requests, never a 500', async () => {
    await expect(send(alice, [], { returnImmediately: true })).rejects.toMatchObject({ name: 'RequestMalformedError', envelopeCode: -32602, message: expect.stringMatching(/^message\.parts: /) });
    await expect(send(alice, [text('x')], { returnImmediately: true, extra: { metadata: { tools: 'web' } } })).rejects.toMatchObject({
      message: 'message.metadata.tools: must be a list of tool names',
    });
    await expect(send(alice, [text('x'.repeat(20_001))], { returnImmediately: true })).rejects.toMatchObject({ envelopeCode: -32602, message: expect.stringMatching(/^message\.parts: /) });
    await expect(alice.resubscribeTask({ tenant: '', id: 'wt_x' }, { serviceParameters: { 'Last-Event-ID': 'yesterday' } }).next()).rejects.toMatchObject({
      message: expect.stringMatching(/^Last-Event-ID: /),
    });

    const post = async (body: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${s.baseUrl}/a2a/teams/${teamId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await s.tokenFor('alice')}`, 'content-type': 'application/json', 'a2a-version': '1.0', ...headers },
        body,
      });
      return { status: res.status, body: (await res.json()) as { error?: { code: number; message: string } } };
    };
    expect(await post('{"jsonrpc":')).toMatchObject({ status: 200, body: { error: { code: -32700 } } });
    expect(await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'NoSuchMethod', params: {} }))).toMatchObject({ status: 200, body: { error: { code: -32601 } } });
    expect(await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: {} }))).toMatchObject({ status: 200, body: { error: { code: -32602 } } });
    expect(await post('{}', { 'content-type': 'text/plain' })).toMatchObject({ status: 415 });
    expect(await post(JSON.stringify({ pad: 'x'.repeat(10 * 1024 * 1024) }))).toMatchObject({ status: 413, body: { error: { code: -32600 } } });
    const anonymous = await fetch(`${s.baseUrl}/a2a/teams/${teamId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);
  });
});

describe('A2A 0.3 method names', () => {
  it('answers message/send and tasks/get without an A2A-Version header', async () => {
    const post = async (method: string, params: unknown) => {
      const res = await fetch(`${s.baseUrl}/a2a/teams/${teamId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await s.tokenFor('alice')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      });
      return (await res.json()) as { result?: { id: string; kind: string; status: { state: string } }; error?: unknown };
    };
    const sent = await post('message/send', {
      message: { kind: 'message', messageId: 'm-1', role: 'user', parts: [{ kind: 'text', text: 'Old client' }] },
      configuration: { blocking: false },
    });
    expect(sent.result).toMatchObject({ kind: 'task', status: { state: 'submitted' } });
    expect((await post('tasks/get', { id: sent.result!.id })).result).toMatchObject({ id: sent.result!.id, status: { state: 'submitted' } });
  });
});

describe('an agent token', () => {
  it('may not give its team work over A2A: 403 FORBIDDEN, as over REST and GraphQL', async () => {
    const { token } = (await s.ok(McpTestCreateAgentTokenDocument, { teamId, agent: 'agent-1' })).createAgentToken;
    const res = await fetch(`${s.baseUrl}/a2a/teams/${teamId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'message/send',
        params: { message: { kind: 'message', messageId: 'm1', role: 'user', parts: [{ kind: 'text', text: 'do it' }] }, configuration: { blocking: false } },
      }),
    });
    const body = await res.clone().text();
    expect(res.status, body).toBe(403);
    expect(JSON.parse(body)).toMatchObject({ id: 3, error: { message: expect.stringMatching(/owner's token/) } });
    // Nothing was dispatched.
    expect(await s.db.dispatch.count({ where: { teamId, task: 'do it' } })).toBe(0);
  });
});
