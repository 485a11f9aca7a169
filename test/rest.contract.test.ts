import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWorkQueueDocument, TaskDocument, TeamDocument, WorkQueueDocument } from './generated/graphql.js';
import { MAX_BODY_BYTES } from '../src/http/body.js';
import { rest } from './helpers/rest.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Every request of the two seed documents, sent exactly as they show it (bodies verbatim), with
// the status codes and shapes they document.
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

describe('seed 000: work queues', () => {
  it('runs the documented flow with the documented bodies and status codes', async () => {
    const created = await rest(s, 'POST', '/work-queues', { body: '{ "name": "bug-triage", "teamId": "engineering" }' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'bug-triage', teamId: 'engineering', depth: 0 });
    const wq = created.body.id as string;
    expect(wq).toMatch(/^wq_/);

    const added = await rest(s, 'POST', `/work-queues/${wq}/tasks`, {
      body: `{
    "name": "Investigate login timeout on mobile",
    "priority": 4,
    "payload": { "ticketId": "T-4821" },
    "deadline": "2026-03-08T17:00:00.000Z"
  }`,
    });
    expect(added.status).toBe(201);
    // The seed's deadline is already past: accepted, and the task is EXPIRED so it is never handed out.
    expect(added.body).toMatchObject({ name: 'Investigate login timeout on mobile', priority: 4, payload: { ticketId: 'T-4821' }, status: 'expired' });

    const empty = await rest(s, 'POST', `/work-queues/${wq}/dequeue`, { body: '{ "agentId": "triage-agent" }' });
    expect(empty.status).toBe(204);
    expect(empty.text).toBe('');

    await rest(s, 'POST', `/work-queues/${wq}/tasks`, { body: { name: 'Investigate login timeout on mobile', priority: 4, payload: { ticketId: 'T-4821' } } });
    const dequeued = await rest(s, 'POST', `/work-queues/${wq}/dequeue`, { body: '{ "agentId": "triage-agent" }' });
    expect(dequeued.status).toBe(200);
    expect(dequeued.body).toMatchObject({ status: 'assigned', assignedAgentId: 'triage-agent', attempts: 1 });
    // Times are ISO-8601 strings, as in GraphQL (they once came out as {}).
    expect(dequeued.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(new Date(dequeued.body.leaseExpiresAt).getTime()).toBeGreaterThan(Date.now());
    const wt = dequeued.body.id as string;

    const completed = await rest(s, 'POST', `/work-queue-tasks/${wt}/complete`, {
      body: '{ "result": { "rootCause": "Session cookie SameSite attribute", "fix": "PR #312" } }',
    });
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ status: 'completed', result: { rootCause: 'Session cookie SameSite attribute', fix: 'PR #312' } });

    await rest(s, 'POST', `/work-queues/${wq}/tasks`, { body: { name: 'Flaky repro' } });
    const second = (await rest(s, 'POST', `/work-queues/${wq}/dequeue`, { body: '{ "agentId": "triage-agent" }' })).body.id as string;
    const failed = await rest(s, 'POST', `/work-queue-tasks/${second}/fail`, { body: '{ "error": "Unable to reproduce on staging" }' });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ status: 'failed', error: 'Unable to reproduce on staging' });

    // Completing or failing again: 409, nothing changes.
    expect((await rest(s, 'POST', `/work-queue-tasks/${wt}/complete`, { body: '{ "result": {} }' })).status).toBe(409);
    expect((await rest(s, 'POST', `/work-queue-tasks/${second}/fail`, { body: '{ "error": "again" }' })).status).toBe(409);

    // Work stealing: an idle agent of another "engineering" queue takes from the busiest one.
    const other = (await rest(s, 'POST', '/work-queues', { body: '{ "name": "bug-triage-2", "teamId": "engineering" }' })).body.id;
    const nothing = await rest(s, 'POST', `/work-queues/${other}/steal`, { body: '{ "agentId": "idle-agent" }' });
    expect(nothing.status).toBe(204);
    await rest(s, 'POST', `/work-queues/${wq}/tasks`, { body: { name: 'stealable', priority: 5 } });
    const stolen = await rest(s, 'POST', `/work-queues/${other}/steal`, { body: '{ "agentId": "idle-agent" }' });
    expect(stolen.status).toBe(200);
    expect(stolen.body).toMatchObject({ name: 'stealable', queueId: wq, stolen: true, stolenByQueueId: other, assignedAgentId: 'idle-agent' });

    const list = await rest(s, 'GET', '/work-queues');
    expect(list.status).toBe(200);
    expect(list.body.items.map((q: { id: string }) => q.id)).toEqual(expect.arrayContaining([wq, other]));
    const one = await rest(s, 'GET', `/work-queues/${wq}`);
    expect(one.body.counts).toMatchObject({ completed: 1, failed: 1, expired: 1, assigned: 1 });
    const completedTasks = await rest(s, 'GET', `/work-queues/${wq}/tasks?status=completed`);
    expect(completedTasks.body.items.map((t: { id: string }) => t.id)).toEqual([wt]);

    const deleted = await rest(s, 'DELETE', `/work-queues/${other}`);
    expect(deleted.status).toBe(200);
    expect((await rest(s, 'GET', `/work-queues/${other}`)).status).toBe(404);
  });

  it('reports the same state through REST and GraphQL', async () => {
    const wq = (await rest(s, 'POST', '/work-queues', { body: { name: 'mirror' } })).body.id;
    await rest(s, 'POST', `/work-queues/${wq}/tasks`, { body: { name: 'a', priority: 2 } });
    const viaRest = (await rest(s, 'POST', `/work-queues/${wq}/dequeue`, { body: { agentId: 'x' } })).body;
    const viaGraphQL = (await s.ok(TaskDocument, { id: viaRest.id })).task;
    expect(viaGraphQL).toMatchObject({
      id: viaRest.id,
      status: viaRest.status.toUpperCase(),
      assignedAgentId: viaRest.assignedAgentId,
      leaseToken: viaRest.leaseToken,
      attempts: viaRest.attempts,
    });
    const queue = (await s.ok(WorkQueueDocument, { id: wq })).workQueue;
    expect((await rest(s, 'GET', `/work-queues/${wq}`)).body.counts).toEqual(queue.counts);
    const fromGraphQL = (await s.ok(CreateWorkQueueDocument, { input: { name: 'made in graphql' } })).createWorkQueue;
    expect((await rest(s, 'GET', `/work-queues/${fromGraphQL.id}`)).body).toMatchObject({ id: fromGraphQL.id, name: 'made in graphql' });
  });

  it.each([
    ['malformed JSON', 'POST', '/tasks', '{"name":', 'body'],
    ['a JSON array', 'POST', '/tasks', '[1]', 'body'],
    ['a wrong type', 'POST', '/tasks', '{"name":"x","priority":"high"}', 'priority'],
    ['priority 6', 'POST', '/tasks', '{"name":"x","priority":6}', 'priority'],
    ['a missing name', 'POST', '/tasks', '{"priority":3}', 'name'],
    ['a bad deadline', 'POST', '/tasks', '{"name":"x","deadline":"soon"}', 'deadline'],
    ['a payload that is not an object', 'POST', '/tasks', '{"name":"x","payload":"text"}', 'payload'],
    ['a missing agentId', 'POST', '/dequeue', '{}', 'agentId'],
    ['a wait over 30 s', 'POST', '/dequeue?wait=31', '{"agentId":"a"}', 'wait'],
    ['a non-numeric wait', 'POST', '/dequeue?wait=soon', '{"agentId":"a"}', 'wait'],
    ['an unknown status filter', 'GET', '/tasks?status=done', undefined, 'status'],
    ['a malformed cursor', 'GET', '/tasks?cursor=garbage', undefined, 'cursor'],
    ['a NUL character', 'POST', '/tasks', '{"name":"a\\u0000b"}', 'name'],
  ])('answers 400 naming the field for %s, writing nothing', async (_label, method, suffix, body, field) => {
    const wq = (await rest(s, 'POST', '/work-queues', { body: { name: 'strict' } })).body.id;
    const res = await rest(s, method, `/work-queues/${wq}${suffix}`, { body });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(res.body.error.message).toContain(field);
    expect((await rest(s, 'GET', `/work-queues/${wq}`)).body.counts.total).toBe(0);
  });

  it('answers 400 for an oversized body', async () => {
    const wq = (await rest(s, 'POST', '/work-queues', { body: { name: 'big' } })).body.id;
    const res = await rest(s, 'POST', `/work-queues/${wq}/tasks`, { body: { name: 'x', payload: { blob: 'x'.repeat(MAX_BODY_BYTES) } } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ field: 'body', message: `body: must be at most ${MAX_BODY_BYTES} bytes` });
  });

  it('answers 401 without a valid token and 404 for missing or foreign ids', async () => {
    expect((await rest(s, 'GET', '/work-queues', { owner: null })).status).toBe(401);
    expect((await rest(s, 'POST', '/work-queues', { owner: null, body: '{"name":' })).status).toBe(401);
    expect((await rest(s, 'POST', '/work-queues', { owner: null, body: { name: 'x' } })).body.error.code).toBe('UNAUTHENTICATED');
    const wq = (await rest(s, 'POST', '/work-queues', { body: { name: 'mine' } })).body.id;
    for (const [method, path] of [
      ['GET', `/work-queues/${wq}`],
      ['DELETE', `/work-queues/${wq}`],
      ['POST', `/work-queues/${wq}/tasks`],
      ['GET', `/work-queues/${wq}/tasks`],
      ['POST', `/work-queues/${wq}/dequeue`],
      ['POST', `/work-queues/${wq}/steal`],
      ['POST', '/work-queue-tasks/wt_abc123/complete'],
      ['POST', '/work-queue-tasks/wt_abc123/fail'],
    ] as const) {
      const res = await rest(s, method, path, { owner: 'mallory', body: method === 'POST' ? { name: 'x', agentId: 'a', error: 'e' } : undefined });
      expect([path, res.status]).toEqual([path, 404]);
    }
  });

  it('long-polls with ?wait= and answers 204 when nothing arrives', async () => {
    const wq = (await rest(s, 'POST', '/work-queues', { body: { name: 'poll' } })).body.id;
    const waiting = rest(s, 'POST', `/work-queues/${wq}/dequeue?wait=10`, { body: { agentId: 'poller' } });
    await s.whenSubscribed('work', wq); // the poll is waiting
    await rest(s, 'POST', `/work-queues/${wq}/tasks`, { body: { name: 'arrives' } });
    expect((await waiting).body).toMatchObject({ name: 'arrives', assignedAgentId: 'poller' });
    const started = Date.now();
    expect((await rest(s, 'POST', `/work-queues/${wq}/dequeue?wait=1`, { body: { agentId: 'poller' } })).status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe('seed 002: teams', () => {
  it('creates a team as documented and answers in the {ok, data} envelope', async () => {
    const res = await rest(s, 'POST', '/api/v1/teams', {
      body: `{
  "name": "research-team",
  "size": 3,
  "model": "claude-sonnet-4-20250514",
  "mode": "coordinate",
  "system_prompt": "You are a research team. Collaborate on literature review."
}`,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      ok: true,
      data: {
        name: 'research-team',
        size: 3,
        agents: ['agent-1', 'agent-2', 'agent-3'],
        status: 'active',
        system_prompt: 'You are a research team. Collaborate on literature review.',
      },
    });
    expect(res.body.data.id).toMatch(/^team-/);
  });

  it('runs the example requests: create, list, details, dispatch, background, stop', async () => {
    const created = await rest(s, 'POST', '/api/v1/teams', { body: '{"name": "research", "size": 3, "model": "claude-sonnet-4-20250514"}' });
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;

    const listed = await rest(s, 'GET', '/api/v1/teams');
    expect(listed.status).toBe(200);
    expect(listed.body.ok).toBe(true);
    expect(listed.body.data.map((t: { id: string }) => t.id)).toContain(id);
    expect(listed.body).toHaveProperty('next_cursor');

    const dispatched = await rest(s, 'POST', `/api/v1/teams/${id}/dispatch`, { body: '{"task": "Research topic", "parallel": true}' });
    expect(dispatched.status).toBe(201);
    expect(dispatched.body.data).toMatchObject({ parallel: true, status: 'running' });
    expect(dispatched.body.data.tasks.map((t: { reserved_for: string }) => t.reserved_for)).toEqual(['agent-1', 'agent-2', 'agent-3']);
    const full = await rest(s, 'POST', `/api/v1/teams/${id}/dispatch`, {
      body: `{
  "task": "Find all papers on quantum error correction from 2025-2026",
  "tools": ["web_search", "web_fetch", "read_file"],
  "parallel": true
}`,
    });
    expect(full.body.data.tools).toEqual(['web_search', 'web_fetch', 'read_file']);

    const details = await rest(s, 'GET', `/api/v1/teams/${id}`);
    expect(details.status).toBe(200);
    expect(details.body.data).toMatchObject({ status: 'active', queue_depth: 6 });
    expect(details.body.data.members.map((m: { name: string; state: string }) => [m.name, m.state])).toEqual([
      ['agent-1', 'idle'],
      ['agent-2', 'idle'],
      ['agent-3', 'idle'],
    ]);

    const bg = await rest(s, 'POST', `/api/v1/teams/${id}/background`, { body: '{\n  "task": "Monitor logs for error patterns",\n  "max_runtime_seconds": 3600\n}' });
    expect(bg.status).toBe(202);
    expect(bg.body.data).toMatchObject({ status: 'pending', max_runtime_seconds: 3600 });

    const dsp = await rest(s, 'GET', `/api/v1/teams/${id}/dispatches/${dispatched.body.data.id}`);
    expect(dsp.body.data.id).toBe(dispatched.body.data.id);
    const otherTeam = (await rest(s, 'POST', '/api/v1/teams', { body: { name: 'other-research' } })).body.data.id;
    expect((await rest(s, 'GET', `/api/v1/teams/${otherTeam}/dispatches/${dispatched.body.data.id}`)).status).toBe(404);

    const stopped = await rest(s, 'DELETE', `/api/v1/teams/${id}`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.data.status).toBe('stopped');
    const after = await rest(s, 'GET', `/api/v1/teams/${id}`);
    expect(after.body.data).toMatchObject({ status: 'stopped', queue_depth: 0 });
    expect(after.body.data.members.every((m: { state: string }) => m.state === 'stopped')).toBe(true);
    expect((await s.ok(TeamDocument, { id })).team.status).toBe('STOPPED');
  });

  it.each([
    ['400 Invalid team parameters (size)', { name: 'x', size: 11 }, 400, 'BAD_USER_INPUT'],
    ['400 Invalid team parameters (missing name)', { size: 2 }, 400, 'BAD_USER_INPUT'],
    ['400 Invalid team parameters (wrong type)', { name: 'x', size: 'three' }, 400, 'BAD_USER_INPUT'],
  ])('%s', async (_label, body, status, code) => {
    const res = await rest(s, 'POST', '/api/v1/teams', { body });
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ ok: false, error: { code } });
  });

  it('answers each error code of the Teams API table', async () => {
    expect((await rest(s, 'POST', '/api/v1/teams', { body: { name: 'noauth' }, owner: null })).status).toBe(401);
    const missing = await rest(s, 'GET', '/api/v1/teams/team-abc123');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'team team-abc123 not found', requestId: expect.any(String) } });
    const id = (await rest(s, 'POST', '/api/v1/teams', { body: { name: 'nine', size: 9 } })).body.data.id;
    expect((await rest(s, 'GET', `/api/v1/teams/${id}`, { owner: 'mallory' })).status).toBe(404);
    const grown = await rest(s, 'POST', `/api/v1/teams/${id}/agents`);
    expect(grown.status).toBe(201);
    expect(grown.body.data.size).toBe(10);
    const full = await rest(s, 'POST', `/api/v1/teams/${id}/agents`);
    expect(full.status).toBe(409);
    expect(full.body.error.message).toMatch(/Team already at max size/);
    expect((await rest(s, 'POST', '/api/v1/teams', { body: { name: 'nine' } })).status).toBe(409);
    const bad = await rest(s, 'POST', `/api/v1/teams/${id}/background`, { body: { task: 'x', max_runtime_seconds: 0 } });
    expect(bad.body.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'max_runtime_seconds' });
  });

  it('sends, lists and reads team messages', async () => {
    const id = (await rest(s, 'POST', '/api/v1/teams', { body: { name: 'talkers', size: 2 } })).body.data.id;
    const sent = await rest(s, 'POST', `/api/v1/teams/${id}/messages`, { body: { from: 'agent-1', to: 'agent-2', body: 'ping' } });
    expect(sent.status).toBe(201);
    expect(sent.body.data).toMatchObject({ seq: 1, from: 'agent-1', to: 'agent-2', body: 'ping' });
    await rest(s, 'POST', `/api/v1/teams/${id}/messages`, { body: { from: 'agent-2', body: 'all' } });
    expect((await rest(s, 'GET', `/api/v1/teams/${id}/messages`)).body.data.map((m: { body: string }) => m.body)).toEqual(['ping', 'all']);
    expect((await rest(s, 'GET', `/api/v1/teams/${id}/agents/agent-2/inbox`)).body.data.map((m: { body: string }) => m.body)).toEqual(['ping']);
    expect((await rest(s, 'POST', `/api/v1/teams/${id}/agents/agent-2/read`, { body: { up_to: 1 } })).body.data).toEqual({ read_seq: 1 });
    expect((await rest(s, 'GET', `/api/v1/teams/${id}/agents/agent-2/inbox`)).body.data).toEqual([]);
    const stranger = await rest(s, 'POST', `/api/v1/teams/${id}/messages`, { body: { from: 'agent-9', body: 'x' } });
    expect(stranger.body.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
  });

  it('answers unknown /api/v1 paths in the envelope', async () => {
    const res = await rest(s, 'GET', '/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.ok).toBe(false);
  });
});
