import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { createDb, type Db } from '../src/db/client.js';
import { createLogger } from '../src/logger.js';
import { restRoutes } from '../src/rest/routeTable.js';
import { waitFor } from './helpers/eventually.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { wsClient } from './helpers/ws.js';

// Minting, the defaults an agent token fills in, revocation (HTTP, REST, SSE, websocket, a second
// instance) and the REST surface of the permission rules.

let s: TestServer;
let teamA: string;
let queueA: string;
let teamB: string;

interface Gql {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function gql(token: string, query: string, variables: Record<string, unknown> = {}, base?: string): Promise<Gql & { status: number }> {
  const init = { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) };
  const res = base ? await fetch(`${base}/graphql`, init) : await s.app.yoga.fetch('http://test/graphql', init);
  return { status: res.status, ...((await res.json()) as Gql) };
}
const code = (res: Gql) => res.errors?.[0]?.extensions?.code;

async function owner(query: string, variables: Record<string, unknown> = {}) {
  const res = await gql(await s.tokenFor('alice'), query, variables);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!;
}

const MINT = `mutation($t: ID!, $a: String!, $e: Int) { createAgentToken(teamId: $t, agent: $a, expiresInSeconds: $e) { token agent teamId version expiresAt team { name } } }`;
const mint = async (teamId: string, agent: string) => (await owner(MINT, { t: teamId, a: agent })).createAgentToken.token as string;
const revoke = (teamId: string, agent: string) => owner(`mutation($t: ID!, $a: String!) { revokeAgentTokens(teamId: $t, agent: $a) { version } }`, { t: teamId, a: agent });
const WHO_AM_I = `query($t: ID!) { team(id: $t) { id } }`;

beforeAll(async () => {
  s = await startTestServer({ listen: true });
  const create = async (name: string) => (await owner(`mutation($n: String!) { createTeam(input: { name: $n, size: 3 }) { id queue { id } } }`, { n: name })).createTeam;
  const a = await create('alpha');
  teamA = a.id;
  queueA = a.queue.id;
  teamB = (await create('beta')).id;
});
afterAll(() => s.stop());

describe('createAgentToken', () => {
  it('answers the token, its member, team, version and expiry (default one day)', async () => {
    const { createAgentToken } = await owner(MINT, { t: teamA, a: 'agent-2' });
    expect(createAgentToken).toMatchObject({ agent: 'agent-2', teamId: teamA, version: 0, team: { name: 'alpha' } });
    const lifetime = new Date(createAgentToken.expiresAt).getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(86_390_000);
    expect(lifetime).toBeLessThanOrEqual(86_400_000);
    expect(await s.tokens.verify(createAgentToken.token)).toMatchObject({ ownerId: 'alice', agent: { teamId: teamA, agentId: 'agent-2', version: 0 } });
  });

  it.each([
    ['below the minimum', { t: () => teamA, a: 'agent-1', e: 59 }, 'BAD_USER_INPUT', /expiresInSeconds: must be between 60 and 2592000/],
    ['above the maximum (30 days)', { t: () => teamA, a: 'agent-1', e: 2_592_001 }, 'BAD_USER_INPUT', /expiresInSeconds/],
    ['an unknown member', { t: () => teamA, a: 'agent-9', e: null }, 'NOT_FOUND', /agent-9/],
    ['an unknown team', { t: () => 'team-doesnotexist', a: 'agent-1', e: null }, 'NOT_FOUND', /team-doesnotexist/],
  ])('refuses %s', async (_label, v, expected, message) => {
    const res = await gql(await s.tokenFor('alice'), MINT, { t: v.t(), a: v.a, e: v.e });
    expect(code(res)).toBe(expected);
    expect(res.errors![0]!.message).toMatch(message);
  });

  it("answers NOT_FOUND for another owner's team and CONFLICT for a stopped team", async () => {
    expect(code(await gql(await s.tokenFor('bob'), MINT, { t: teamA, a: 'agent-1' }))).toBe('NOT_FOUND');
    const stopped = (await owner(`mutation { createTeam(input: { name: "gone", size: 1 }) { id } }`)).createTeam.id;
    await owner(`mutation($t: ID!) { stopTeam(id: $t) { id } }`, { t: stopped });
    const res = await gql(await s.tokenFor('alice'), MINT, { t: stopped, a: 'agent-1' });
    expect(code(res)).toBe('CONFLICT');
    expect(res.errors![0]!.message).toMatch(/stopped/);
  });
});

describe('an agent token fills in its own member', () => {
  it('dequeues as itself when agentId is left out; an owner must name the agent', async () => {
    const token = await mint(teamA, 'agent-3');
    await owner(`mutation($q: ID!) { enqueueTask(queueId: $q, input: { name: "for 3" }) { id } }`, { q: queueA });
    const res = await gql(token, `mutation($q: ID!) { dequeueTask(queueId: $q) { assignedAgentId } }`, { q: queueA });
    expect(res.errors).toBeUndefined();
    expect(res.data!.dequeueTask).toEqual({ assignedAgentId: 'agent-3' });
    const asOwner = await gql(await s.tokenFor('alice'), `mutation($q: ID!) { dequeueTask(queueId: $q) { id } }`, { q: queueA });
    expect(code(asOwner)).toBe('BAD_USER_INPUT');
    expect(asOwner.errors![0]!.message).toBe('agentId: is required');
  });

  it('sends messages from itself, and only from itself', async () => {
    const token = await mint(teamA, 'agent-1');
    const sent = await gql(token, `mutation($t: ID!) { sendMessage(teamId: $t, input: { to: "agent-2", body: "hello" }) { from to } }`, { t: teamA });
    expect(sent.data!.sendMessage).toEqual({ from: 'agent-1', to: 'agent-2' });
    const spoofed = await gql(token, `mutation($t: ID!) { sendMessage(teamId: $t, input: { from: "agent-2", body: "x" }) { id } }`, { t: teamA });
    expect(code(spoofed)).toBe('FORBIDDEN');
    const asOwner = await gql(await s.tokenFor('alice'), `mutation($t: ID!) { sendMessage(teamId: $t, input: { body: "x" }) { id } }`, { t: teamA });
    expect(asOwner.errors![0]!.message).toBe('input.from: is required');
  });

  it('reads and marks its own inbox without naming itself', async () => {
    await owner(`mutation($t: ID!) { sendMessage(teamId: $t, input: { from: "agent-1", to: "agent-3", body: "for 3" }) { id } }`, { t: teamA });
    const token = await mint(teamA, 'agent-3');
    const res = await gql(token, `query($t: ID!) { inbox(teamId: $t) { body to } }`, { t: teamA });
    expect(res.data!.inbox).toEqual([{ body: 'for 3', to: 'agent-3' }]);
    const marked = await gql(token, `mutation($t: ID!) { markMessagesRead(teamId: $t, upTo: 1000) }`, { t: teamA });
    expect(marked.errors).toBeUndefined();
    expect((await gql(token, `query($t: ID!) { inbox(teamId: $t) { id } }`, { t: teamA })).data!.inbox).toEqual([]);
    const asOwner = await gql(await s.tokenFor('alice'), `query($t: ID!) { inbox(teamId: $t) { id } }`, { t: teamA });
    expect(asOwner.errors![0]!.message).toBe('agent: is required');
  });
});

describe('revokeAgentTokens', () => {
  it('refuses the old token at once (GraphQL and REST), not a new one', async () => {
    const old = await mint(teamB, 'agent-2');
    expect((await gql(old, WHO_AM_I, { t: teamB })).data).toEqual({ team: { id: teamB } });
    expect((await revoke(teamB, 'agent-2')).revokeAgentTokens.version).toBe(1);
    const refused = await gql(old, WHO_AM_I, { t: teamB });
    expect(refused.status).toBe(401);
    expect(refused.errors![0]!.message).toMatch(/revoked/);
    const rest = await fetch(`${s.baseUrl}/api/v1/teams/${teamB}`, { headers: { authorization: `Bearer ${old}` } });
    expect(rest.status).toBe(401);
    const fresh = await mint(teamB, 'agent-2');
    expect((await gql(fresh, WHO_AM_I, { t: teamB })).data).toEqual({ team: { id: teamB } });
    // Other members' tokens are untouched.
    expect((await gql(await mint(teamB, 'agent-1'), WHO_AM_I, { t: teamB })).status).toBe(200);
  });

  it("ends the agent's SSE subscription with UNAUTHENTICATED", async () => {
    const token = await mint(teamB, 'agent-3');
    const res = await fetch(`${s.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `subscription($t: ID!) { mailbox(teamId: $t, agent: "agent-3") { id } }`, variables: { t: teamB } }),
    });
    await s.whenSubscribed('mailbox', teamB);
    const text = res.text(); // resolves once the server ends the stream
    await revoke(teamB, 'agent-3');
    expect(await text).toMatch(/"code":"UNAUTHENTICATED"/);
    expect(await text).toMatch(/agent token revoked/);
  });

  it("closes the agent's websocket with 4401 and refuses a new one with the old token", async () => {
    const token = await mint(teamA, 'agent-2');
    const ws = await s.wsClient({ authorization: `Bearer ${token}` });
    const sub = ws.client.iterate({ query: `subscription($t: ID!) { mailbox(teamId: $t, agent: "agent-2") { id } }`, variables: { t: teamA } });
    // Drained until the server ends it (earlier messages to agent-2 are replayed first).
    const drained = (async () => {
      for await (const _ of sub);
    })();
    await s.whenSubscribed('mailbox', teamA);
    await revoke(teamA, 'agent-2');
    await expect(drained).rejects.toMatchObject({ code: 4401 });
    expect(ws.closed()).toMatchObject({ code: 4401, reason: expect.stringMatching(/revoked/) });
    const again = await s.wsClient({ authorization: `Bearer ${token}` });
    await waitFor(() => again.closed(), { what: 'the refused connection to close' });
    expect(again.closed()).toMatchObject({ code: 4401 });
    expect(again.connected()).toBe(false);
  });

  it('reaches another instance on the same database: its new requests within the cache bound, its subscriptions at once', async () => {
    const db2: Db = createDb(s.url, { max: 5 });
    const other: App = buildApp({
      config: { host: '127.0.0.1', port: 0, sweepIntervalMs: 3_600_000 },
      databaseUrl: s.url,
      db: db2,
      tokens: s.tokens,
      log: createLogger('silent'),
    });
    const base = await other.start();
    try {
      const token = await mint(teamA, 'agent-3');
      expect((await gql(token, WHO_AM_I, { t: teamA }, base)).status).toBe(200); // now cached there
      const stream = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: `subscription($t: ID!) { teamEvents(teamId: $t) { type } }`, variables: { t: teamA } }),
      });
      const text = stream.text();
      await revoke(teamA, 'agent-3');
      expect(await text).toMatch(/agent token revoked/);
      await waitFor(async () => (await gql(token, WHO_AM_I, { t: teamA }, base)).status === 401, { what: 'the other instance to refuse the token', timeoutMs: 5_000 });
    } finally {
      await other.stop();
      await db2.close();
    }
  });
});

// One request per REST route, with an agent token of another team than the resource's: every
// route answers 403 (owner-only routes and team routes alike). A route without a row fails.
describe('REST: the same rules', () => {
  const rows = (): Record<string, { path: string; body?: unknown }> => ({
    'POST /work-queues': { path: '/work-queues', body: { name: 'x' } },
    'GET /work-queues': { path: '/work-queues' },
    'GET /work-queues/:id': { path: `/work-queues/${queueA}` },
    'DELETE /work-queues/:id': { path: `/work-queues/${queueA}` },
    'POST /work-queues/:queueId/tasks': { path: `/work-queues/${queueA}/tasks`, body: { name: 'x' } },
    'GET /work-queues/:queueId/tasks': { path: `/work-queues/${queueA}/tasks` },
    'POST /work-queues/:queueId/dequeue': { path: `/work-queues/${queueA}/dequeue`, body: {} },
    'POST /work-queues/:queueId/dequeue-batch': { path: `/work-queues/${queueA}/dequeue-batch`, body: { limit: 1 } },
    'POST /work-queues/:queueId/steal': { path: `/work-queues/${queueA}/steal`, body: {} },
    'GET /work-queue-tasks/:id': { path: `/work-queue-tasks/${taskA}` },
    'POST /work-queue-tasks/:id/complete': { path: `/work-queue-tasks/${taskA}/complete`, body: {} },
    'POST /work-queue-tasks/:id/fail': { path: `/work-queue-tasks/${taskA}/fail`, body: { error: 'x' } },
    'POST /work-queue-tasks/complete-batch': { path: '/work-queue-tasks/complete-batch', body: { items: [{ id: taskA }] } },
    'POST /work-queue-tasks/fail-batch': { path: '/work-queue-tasks/fail-batch', body: { items: [{ id: taskA, error: 'x' }] } },
    'POST /work-queue-tasks/:id/heartbeat': { path: `/work-queue-tasks/${taskA}/heartbeat`, body: {} },
    'POST /work-queue-tasks/:id/cancel': { path: `/work-queue-tasks/${taskA}/cancel`, body: {} },
    'POST /work-queue-tasks/:id/retry': { path: `/work-queue-tasks/${taskA}/retry`, body: {} },
    'POST /work-queues/:queueId/retry': { path: `/work-queues/${queueA}/retry`, body: {} },
    'POST /work-queue-tasks/:id/request-input': { path: `/work-queue-tasks/${taskA}/request-input`, body: { leaseToken: 'x', request: {} } },
    'POST /work-queue-tasks/:id/provide-input': { path: `/work-queue-tasks/${taskA}/provide-input`, body: { response: {} } },
    'GET /work-queues/:queueId/awaiting-input': { path: `/work-queues/${queueA}/awaiting-input` },
    'POST /work-queues/:queueId/schedules': { path: `/work-queues/${queueA}/schedules`, body: { cron: '0 0 1 1 *', task: { name: 'x' } } },
    'GET /work-queues/:queueId/schedules': { path: `/work-queues/${queueA}/schedules` },
    'DELETE /work-queue-schedules/:id': { path: '/work-queue-schedules/sch_missing' },
    'POST /api/v1/teams': { path: '/api/v1/teams', body: { name: 'x' } },
    'GET /api/v1/teams': { path: '/api/v1/teams' },
    'GET /api/v1/teams/:id': { path: `/api/v1/teams/${teamA}` },
    'DELETE /api/v1/teams/:id': { path: `/api/v1/teams/${teamA}` },
    'POST /api/v1/teams/:teamId/agents': { path: `/api/v1/teams/${teamA}/agents` },
    'POST /api/v1/teams/:teamId/agents/:agent/tokens': { path: `/api/v1/teams/${teamA}/agents/agent-1/tokens`, body: {} },
    'DELETE /api/v1/teams/:teamId/agents/:agent/tokens': { path: `/api/v1/teams/${teamA}/agents/agent-1/tokens` },
    'POST /api/v1/teams/:teamId/budget': { path: `/api/v1/teams/${teamA}/budget`, body: { max_tasks: 5 } },
    'POST /api/v1/teams/:teamId/resume': { path: `/api/v1/teams/${teamA}/resume` },
    'POST /api/v1/teams/:teamId/dispatch': { path: `/api/v1/teams/${teamA}/dispatch`, body: { task: 'x' } },
    'GET /api/v1/teams/:teamId/dispatches/:id': { path: `/api/v1/teams/${teamA}/dispatches/dsp_missing` },
    'POST /api/v1/teams/:teamId/background': { path: `/api/v1/teams/${teamA}/background`, body: { task: 'x' } },
    'POST /api/v1/teams/:teamId/messages': { path: `/api/v1/teams/${teamA}/messages`, body: { body: 'x' } },
    'GET /api/v1/teams/:teamId/messages': { path: `/api/v1/teams/${teamA}/messages` },
    'GET /api/v1/teams/:teamId/agents/:agent/inbox': { path: `/api/v1/teams/${teamA}/agents/agent-1/inbox` },
    'POST /api/v1/teams/:teamId/agents/:agent/read': { path: `/api/v1/teams/${teamA}/agents/agent-1/read`, body: { up_to: 0 } },
    'POST /api/v1/tasks/:id/cancel': { path: `/api/v1/tasks/${taskA}/cancel`, body: {} },
    'POST /api/v1/tasks/:id/retry': { path: `/api/v1/tasks/${taskA}/retry`, body: {} },
    'POST /api/v1/tasks/:id/request-input': { path: `/api/v1/tasks/${taskA}/request-input`, body: { lease_token: 'x', request: {} } },
    'POST /api/v1/tasks/:id/input': { path: `/api/v1/tasks/${taskA}/input`, body: { response: {} } },
    'GET /api/v1/teams/:teamId/awaiting-input': { path: `/api/v1/teams/${teamA}/awaiting-input` },
  });
  let taskA: string;
  let foreign: string;
  beforeAll(async () => {
    taskA = (await owner(`mutation($q: ID!) { enqueueTask(queueId: $q, input: { name: "rest" }) { id } }`, { q: queueA })).enqueueTask.id;
    foreign = await mint(teamB, 'agent-1');
  });

  it('has a row for every route', () => {
    const routes = restRoutes.map((r) => `${r.method} ${r.path}`);
    expect(routes.filter((r) => !(r in rows()))).toEqual([]);
  });

  it.each(restRoutes.map((r) => `${r.method} ${r.path}`))('%s with an agent token of another team → 403', async (key) => {
    const row = rows()[key]!;
    const method = key.split(' ')[0]!;
    const res = await fetch(`${s.baseUrl}${row.path}`, {
      method,
      headers: { authorization: `Bearer ${foreign}`, ...(row.body ? { 'content-type': 'application/json' } : {}) },
      ...(row.body ? { body: JSON.stringify(row.body) } : {}),
    });
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(res.status, JSON.stringify(body)).toBe(403);
    expect(body.error.code).toBe('FORBIDDEN');
  });

  it("lets the right agent dequeue without naming itself, and refuses another member's inbox", async () => {
    const token = await mint(teamA, 'agent-1');
    await owner(`mutation($q: ID!) { enqueueTask(queueId: $q, input: { name: "rest work", priority: 5 }) { id } }`, { q: queueA });
    const res = await fetch(`${s.baseUrl}/work-queues/${queueA}/dequeue`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { assignedAgentId: string }).assignedAgentId).toBe('agent-1');
    const inbox = await fetch(`${s.baseUrl}/api/v1/teams/${teamA}/agents/agent-2/inbox`, { headers: { authorization: `Bearer ${token}` } });
    expect(inbox.status).toBe(403);
    expect(((await inbox.json()) as { ok: boolean; error: { code: string } }).error.code).toBe('FORBIDDEN');
  });
});
