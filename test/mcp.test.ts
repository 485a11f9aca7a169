import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_TOKEN_REQUIRED } from '../src/mcp/http.js';
import {
  CreateTeamDocument,
  EnqueueTaskDocument,
  InboxDocument,
  McpTestCreateAgentTokenDocument,
  McpTestRevokeAgentTokensDocument,
  ProvideInputDocument,
  TaskDocument,
} from './generated/graphql.js';
import { waitFor } from './helpers/eventually.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

const clients: Client[] = [];
afterAll(() => Promise.all(clients.map((c) => c.close())));

let seq = 0;
async function newTeam(size = 2) {
  const { createTeam } = await s.ok(CreateTeamDocument, { input: { name: `mcp-${++seq}`, size } });
  return { teamId: createTeam.id, queueId: createTeam.queue.id };
}

/** An agent token minted as an owner mints one: through createAgentToken. */
async function agentToken(teamId: string, agent: string, server: TestServer = s) {
  return (await server.ok(McpTestCreateAgentTokenDocument, { teamId, agent })).createAgentToken.token;
}

/** The SDK's own client over Streamable HTTP, as an MCP client configured with the token would connect. */
async function connect(token: string, server: TestServer = s) {
  const client = new Client({ name: 'mcp-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', server.baseUrl), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

async function agentClient(teamId: string, agentId = 'agent-1') {
  return connect(await agentToken(teamId, agentId));
}

/** A tool's structured answer; fails the test on a tool error. */
async function call<T = Record<string, any>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual(result.structuredContent);
  return result.structuredContent as T;
}

async function callError(client: Client, name: string, args: Record<string, unknown>) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError).toBe(true);
  return { text: (result.content[0] as { text: string }).text, error: (result.structuredContent as { error?: { code: string; message: string; field?: string } } | undefined)?.error };
}

async function enqueue(queueId: string, name: string, payload: Record<string, unknown> = {}) {
  return (await s.ok(EnqueueTaskDocument, { queueId, input: { name, payload } })).enqueueTask;
}

const post = (body: string, headers: Record<string, string>) =>
  fetch(new URL('/mcp', s.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
  });

describe('MCP tools', () => {
  it('lists the tools with their input schemas and descriptions', async () => {
    const { teamId } = await newTeam();
    const { tools } = await (await agentClient(teamId)).listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(
      ['claim_task', 'complete_task', 'fail_task', 'get_task', 'heartbeat', 'read_inbox', 'request_input', 'send_message', 'show_team'].sort(),
    );
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(80);
      expect(tool.inputSchema.type).toBe('object');
      // The agent is the token's, never an argument.
      expect(Object.keys(tool.inputSchema.properties ?? {})).not.toContain('agentId');
    }
    expect(byName.claim_task!.inputSchema.properties!.waitSeconds).toMatchObject({ type: 'integer', minimum: 0, maximum: 30, default: 20 });
    expect(byName.complete_task!.inputSchema.required).toEqual(expect.arrayContaining(['taskId', 'leaseToken']));
    expect(byName.complete_task!.inputSchema.properties!.result).toMatchObject({ type: 'object' });
    expect(byName.fail_task!.inputSchema.required).toEqual(expect.arrayContaining(['taskId', 'leaseToken', 'error']));
    expect(byName.send_message!.inputSchema.required).toEqual(['body']);
  });

  it('claims a task enqueued through GraphQL and completes it with its lease token', async () => {
    const { teamId, queueId } = await newTeam();
    const task = await enqueue(queueId, 'summarize', { doc: 'D-1' });
    const client = await agentClient(teamId, 'agent-2');
    const claimed = (await call(client, 'claim_task', { waitSeconds: 0 })).task;
    expect(claimed).toMatchObject({ id: task.id, name: 'summarize', payload: { doc: 'D-1' }, status: 'ASSIGNED', assignedAgentId: 'agent-2', attempts: 1 });
    expect(claimed.leaseToken).toEqual(expect.any(String));
    const done = (await call(client, 'complete_task', { taskId: task.id, leaseToken: claimed.leaseToken, result: { summary: 'ok' } })).task;
    expect(done).toMatchObject({ id: task.id, status: 'COMPLETED', result: { summary: 'ok' } });
    expect((await s.ok(TaskDocument, { id: task.id })).task).toMatchObject({ status: 'COMPLETED', assignedAgentId: 'agent-2', result: { summary: 'ok' } });
  });

  it('says nothing arrived when the queue stays empty', async () => {
    const { teamId } = await newTeam();
    const answer = await call(await agentClient(teamId), 'claim_task', { waitSeconds: 0 });
    expect(answer.task).toBeNull();
    expect(answer.message).toMatch(/No task arrived/);
  });

  it('long-polls: a claim waiting on an empty queue is woken by an enqueue', async () => {
    const { teamId, queueId } = await newTeam();
    const client = await agentClient(teamId);
    const claim = call(client, 'claim_task', { waitSeconds: 30 });
    await s.whenSubscribed('work', queueId);
    const task = await enqueue(queueId, 'late');
    const started = Date.now();
    expect((await claim).task).toMatchObject({ id: task.id, status: 'ASSIGNED', assignedAgentId: 'agent-1' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops waiting when the client disconnects: a later task stays pending', async () => {
    const { teamId, queueId } = await newTeam();
    const client = await agentClient(teamId);
    const claim = client.callTool({ name: 'claim_task', arguments: { waitSeconds: 30 } }).catch((err: unknown) => err);
    await s.whenSubscribed('work', queueId);
    await client.close();
    await waitFor(() => s.subscriptions('work', queueId) === 0, { what: 'the abandoned claim to stop waiting' });
    await claim;
    const task = await enqueue(queueId, 'after-disconnect');
    expect((await s.ok(TaskDocument, { id: task.id })).task.status).toBe('PENDING');
  });

  it('fails a task with retry: it goes back to the queue with the attempt counted', async () => {
    const { teamId, queueId } = await newTeam();
    const task = await enqueue(queueId, 'flaky');
    const client = await agentClient(teamId);
    const claimed = (await call(client, 'claim_task', { waitSeconds: 0 })).task;
    const failed = (await call(client, 'fail_task', { taskId: task.id, leaseToken: claimed.leaseToken, error: 'upstream timeout', retry: true })).task;
    expect(['PENDING', 'DELAYED']).toContain(failed.status);
    expect(failed).toMatchObject({ attempts: 1, error: 'upstream timeout', leaseToken: null });
  });

  it('fails a task without retry: it ends FAILED', async () => {
    const { teamId, queueId } = await newTeam();
    const task = await enqueue(queueId, 'broken');
    const client = await agentClient(teamId);
    const claimed = (await call(client, 'claim_task', { waitSeconds: 0 })).task;
    const failed = (await call(client, 'fail_task', { taskId: task.id, leaseToken: claimed.leaseToken, error: 'bad input' })).task;
    expect(failed).toMatchObject({ status: 'FAILED', error: 'bad input' });
  });

  it('extends a lease with heartbeat', async () => {
    const { teamId, queueId } = await newTeam();
    const task = await enqueue(queueId, 'long');
    const client = await agentClient(teamId);
    const claimed = (await call(client, 'claim_task', { waitSeconds: 0 })).task;
    const beat = (await call(client, 'heartbeat', { taskId: task.id, leaseToken: claimed.leaseToken, extendSeconds: 3600 })).task;
    expect(Date.parse(beat.leaseExpiresAt) - Date.now()).toBeGreaterThan(3500_000);
    expect(Date.parse(beat.leaseExpiresAt)).toBeGreaterThan(Date.parse(claimed.leaseExpiresAt));
  });

  it('asks a person with request_input; the answer comes back on the task under a new lease', async () => {
    const { teamId, queueId } = await newTeam();
    const task = await enqueue(queueId, 'needs-approval');
    const client = await agentClient(teamId);
    const claimed = (await call(client, 'claim_task', { waitSeconds: 0 })).task;
    const waiting = (await call(client, 'request_input', { taskId: task.id, leaseToken: claimed.leaseToken, request: { question: 'ship it?' } })).task;
    expect(waiting).toMatchObject({ status: 'INPUT_REQUIRED', inputRequest: { question: 'ship it?' } });
    await s.ok(ProvideInputDocument, { id: task.id, response: { answer: 'yes' } });
    const back = (await call(client, 'get_task', { taskId: task.id })).task;
    expect(back).toMatchObject({ status: 'ASSIGNED', assignedAgentId: 'agent-1', inputResponse: { answer: 'yes' } });
    expect(back.leaseToken).not.toBe(claimed.leaseToken);
    expect((await call(client, 'complete_task', { taskId: task.id, leaseToken: back.leaseToken })).task.status).toBe('COMPLETED');
  });

  it('sends messages between two agents and reads the inbox, marking it read', async () => {
    const { teamId } = await newTeam(3);
    const one = await agentClient(teamId, 'agent-1');
    const two = await agentClient(teamId, 'agent-2');
    const direct = (await call(one, 'send_message', { to: 'agent-2', body: 'found the bug in parser.ts' })).message;
    expect(direct).toMatchObject({ from: 'agent-1', to: 'agent-2', body: 'found the bug in parser.ts' });
    await call(one, 'send_message', { body: 'standup in 5' });

    const first = await call(two, 'read_inbox');
    expect(first.messages.map((m: { body: string; from: string }) => [m.from, m.body])).toEqual([
      ['agent-1', 'found the bug in parser.ts'],
      ['agent-1', 'standup in 5'],
    ]);
    expect(first.cursor).toBe(first.messages[1].seq);
    // Marked read: nothing unread now; with after, the history is still there.
    expect((await call(two, 'read_inbox')).messages).toEqual([]);
    expect((await call(two, 'read_inbox', { after: direct.seq, markRead: false })).messages.map((m: { body: string }) => m.body)).toEqual(['standup in 5']);

    // markRead: false leaves them unread; the broadcast reached agent-3 too, the direct one did not.
    const three = await agentClient(teamId, 'agent-3');
    expect((await call(three, 'read_inbox', { markRead: false })).messages.map((m: { body: string }) => m.body)).toEqual(['standup in 5']);
    expect((await s.ok(InboxDocument, { teamId, agent: 'agent-3' })).inbox.map((m) => m.body)).toEqual(['standup in 5']);
  });

  it('shows the team: members, their states, queue depth', async () => {
    const { teamId, queueId } = await newTeam(2);
    await enqueue(queueId, 'a');
    await enqueue(queueId, 'b');
    const client = await agentClient(teamId, 'agent-2');
    const claimed = (await call(client, 'claim_task', { waitSeconds: 0 })).task;
    const { you, team } = await call(client, 'show_team');
    expect(you).toBe('agent-2');
    expect(team).toMatchObject({ id: teamId, status: 'ACTIVE', size: 2, queueDepth: 1 });
    expect(team.members).toEqual([
      expect.objectContaining({ name: 'agent-1', state: 'IDLE', currentTask: null }),
      expect.objectContaining({ name: 'agent-2', state: 'BUSY', currentTask: expect.objectContaining({ id: claimed.id }) }),
    ]);
    expect(team.queue.counts).toMatchObject({ pending: 1, assigned: 1 });
  });
});

describe('MCP errors', () => {
  it('answers a stale lease token with a tool error carrying CONFLICT', async () => {
    const { teamId, queueId } = await newTeam();
    const task = await enqueue(queueId, 'x');
    const client = await agentClient(teamId);
    await call(client, 'claim_task', { waitSeconds: 0 });
    const { text, error } = await callError(client, 'complete_task', { taskId: task.id, leaseToken: '00000000-0000-4000-8000-000000000000' });
    expect(error?.code).toBe('CONFLICT');
    expect(text).toMatch(/^CONFLICT: /);
    expect((await s.ok(TaskDocument, { id: task.id })).task.status).toBe('ASSIGNED');
  });

  it('answers a claim while the agent still holds a task with CONFLICT', async () => {
    const { teamId, queueId } = await newTeam();
    await enqueue(queueId, 'first');
    await enqueue(queueId, 'second');
    const client = await agentClient(teamId);
    const held = (await call(client, 'claim_task', { waitSeconds: 0 })).task;
    const { error } = await callError(client, 'claim_task', { waitSeconds: 0 });
    expect(error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`busy with task ${held.id}`) });
  });

  it('answers an unknown task with NOT_FOUND naming it', async () => {
    const { teamId } = await newTeam();
    const { error } = await callError(await agentClient(teamId), 'get_task', { taskId: 'task_doesnotexist' });
    expect(error?.code).toBe('NOT_FOUND');
  });

  it('answers bad arguments with a tool error naming the field', async () => {
    const { teamId } = await newTeam();
    const client = await agentClient(teamId);
    expect((await callError(client, 'complete_task', { taskId: 5, leaseToken: 'x' })).text).toMatch(/expected string, received number at taskId/);
    expect((await callError(client, 'fail_task', { taskId: 't', leaseToken: 'x' })).text).toMatch(/received undefined at error/);
    expect((await callError(client, 'claim_task', { waitSeconds: 31 })).text).toMatch(/waitSeconds/);
    expect((await callError(client, 'send_message', { body: 'hi', to: 'agent-9' })).error).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('refuses an owner token with 403 and says to mint an agent token', async () => {
    const owner = await s.tokenFor('alice');
    await expect(connect(owner)).rejects.toThrow(/agent token/);
    const res = await post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { authorization: `Bearer ${owner}` });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', error: { message: AGENT_TOKEN_REQUIRED, data: { code: 'FORBIDDEN' } } });
    expect(AGENT_TOKEN_REQUIRED).toMatch(/createAgentToken/);
  });

  it('refuses a revoked agent token with 401', async () => {
    const { teamId } = await newTeam();
    const token = await agentToken(teamId, 'agent-1');
    const client = await connect(token);
    await s.ok(McpTestRevokeAgentTokensDocument, { teamId, agent: 'agent-1' });
    const res = await post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { message: expect.stringMatching(/revoked/), data: { code: 'UNAUTHENTICATED' } } });
    await expect(client.callTool({ name: 'show_team', arguments: {} })).rejects.toThrow(/401|revoked/);
    // A token minted afterwards works.
    expect((await call(await connect(await agentToken(teamId, 'agent-1')), 'show_team')).you).toBe('agent-1');
  });

  it("keeps an agent to its own team: another team's task answers FORBIDDEN", async () => {
    const mine = await newTeam();
    const theirs = await newTeam();
    const task = await enqueue(theirs.queueId, 'not yours');
    const { error } = await callError(await agentClient(mine.teamId), 'get_task', { taskId: task.id });
    expect(error?.code).toBe('FORBIDDEN');
    const lease = (await call(await agentClient(theirs.teamId), 'claim_task', { waitSeconds: 0 })).task.leaseToken;
    expect((await callError(await agentClient(mine.teamId), 'complete_task', { taskId: task.id, leaseToken: lease })).error?.code).toBe('FORBIDDEN');
    expect((await s.ok(TaskDocument, { id: task.id })).task.status).toBe('ASSIGNED');
  });

  it('refuses a request without a token, or with a bad one, with 401', async () => {
    const none = await post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toMatchObject({ error: { data: { code: 'UNAUTHENTICATED' } } });
    const forged = await post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { authorization: 'Bearer not.a.token' });
    expect(forged.status).toBe(401);
    await expect(connect('not.a.token')).rejects.toThrow();
  });

  it('answers malformed JSON-RPC with the SDK error, a too large body with 413, never a 500', async () => {
    const { teamId } = await newTeam();
    const authorization = `Bearer ${await agentToken(teamId, 'agent-1')}`;
    const bad = await post('{"jsonrpc": "2.0", "id": 1, "method": ', { authorization });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
    const notRpc = await post('{"hello": "world"}', { authorization });
    expect(notRpc.status).toBe(400);
    expect(await notRpc.json()).toMatchObject({ error: { code: -32700 } });
    const big = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(11 * 1024 * 1024) } }), { authorization });
    expect(big.status).toBe(413);
    const get = await fetch(new URL('/mcp', s.baseUrl), { headers: { authorization, accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
  });
});

describe('MCP and shutdown', () => {
  it('a waiting claim answers "nothing arrived" when the server stops', async () => {
    const other = await startTestServer({ listen: true });
    try {
      const { createTeam } = await other.ok(CreateTeamDocument, { input: { name: 'draining', size: 1 } });
      const client = await connect(await agentToken(createTeam.id, 'agent-1', other), other);
      const claim = call(client, 'claim_task', { waitSeconds: 30 });
      await other.whenSubscribed('work', createTeam.queue.id);
      const started = Date.now();
      const stopped = other.app.stop();
      expect((await claim).task).toBeNull();
      await stopped;
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await other.stop();
    }
  });
});
