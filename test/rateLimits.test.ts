import type { Client } from 'graphql-ws';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_RATE_LIMITS, loadConfig, type PrincipalLimits, type RateLimitsConfig } from '../src/config.js';
import { RateLimitedError } from '../src/errors.js';
import { principalOf } from '../src/limits/principal.js';
import { createRateLimiter, type RateLimiter } from '../src/limits/rateLimits.js';
import { CreateWorkQueueDocument, DequeueTaskWaitingDocument, EnqueueTaskDocument, TaskEventsDocument } from './generated/graphql.js';
import { waitFor } from './helpers/eventually.js';
import { startServerProcess } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { collect } from './helpers/ws.js';

// Rate limits per owner and per agent token: requests per second on every transport (REST
// counted once though it runs GraphQL inside), long polls and subscriptions at once, each place
// given back however its poll or stream ends. Small limits here; generous defaults elsewhere.

const OFF: PrincipalLimits = { requestsPerSecond: null, burst: 0, longPolls: null, subscriptions: null };
const limits = (owner: Partial<PrincipalLimits>, agent: Partial<PrincipalLimits> = {}): RateLimitsConfig => ({
  owner: { ...OFF, ...owner },
  agent: { ...OFF, ...agent },
});

describe('configuration', () => {
  it('has generous defaults', () => {
    expect(loadConfig({}).rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    expect(DEFAULT_RATE_LIMITS.owner).toEqual({ requestsPerSecond: 10_000, burst: 10_000, longPolls: 1_000, subscriptions: 10_000 });
    expect(DEFAULT_RATE_LIMITS.agent).toEqual({ requestsPerSecond: 1_000, burst: 1_000, longPolls: 10, subscriptions: 100 });
  });

  it('reads every variable; 0 and off turn a limit off', () => {
    const config = loadConfig({
      RATE_LIMIT_OWNER_RPS: '50',
      RATE_LIMIT_OWNER_BURST: '0',
      RATE_LIMIT_OWNER_LONG_POLLS: 'off',
      RATE_LIMIT_OWNER_SUBSCRIPTIONS: '7',
      RATE_LIMIT_AGENT_RPS: 'OFF',
      RATE_LIMIT_AGENT_BURST: ' 9 ',
      RATE_LIMIT_AGENT_LONG_POLLS: '2',
      RATE_LIMIT_AGENT_SUBSCRIPTIONS: '0',
    });
    expect(config.rateLimits).toEqual({
      owner: { requestsPerSecond: 50, burst: 0, longPolls: null, subscriptions: 7 },
      agent: { requestsPerSecond: null, burst: 9, longPolls: 2, subscriptions: null },
    });
  });

  it.each([
    ['RATE_LIMIT_OWNER_RPS', 'fast', /RATE_LIMIT_OWNER_RPS: must be a whole number, or 0 or off for no limit/],
    ['RATE_LIMIT_AGENT_RPS', '-1', /RATE_LIMIT_AGENT_RPS: must be a whole number/],
    ['RATE_LIMIT_OWNER_BURST', '1.5', /RATE_LIMIT_OWNER_BURST: must be a whole number, or 0 or off for no burst/],
    ['RATE_LIMIT_OWNER_LONG_POLLS', '1e3', /RATE_LIMIT_OWNER_LONG_POLLS: must be a whole number/],
    ['RATE_LIMIT_AGENT_SUBSCRIPTIONS', '99999999999', /RATE_LIMIT_AGENT_SUBSCRIPTIONS: must be at most 1000000000/],
  ])('refuses %s=%j naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('stops the server with exit code 2 and the message', async () => {
    const main = startServerProcess({ RATE_LIMIT_AGENT_LONG_POLLS: 'many' });
    expect(await main.exitCode()).toBe(2);
    expect(main.output().trim()).toBe('Invalid configuration:\n  RATE_LIMIT_AGENT_LONG_POLLS: must be a whole number, or 0 or off for no limit');
  });
});

/** The outcome of one request through the limiter alone. */
const attempt = (limiter: RateLimiter, principal: Parameters<RateLimiter['request']>[0]) =>
  limiter.request(principal).then(
    () => 'ok',
    (err: unknown) => (err instanceof RateLimitedError ? err.message : Promise.reject(err)),
  );

describe('the limiter', () => {
  const expiresAt = new Date(Date.now() + 3_600_000);
  const agent = (agentId: string) => principalOf({ ownerId: 'olga', expiresAt, agent: { teamId: 'team-1', agentId, version: 0 } });

  it('keys an agent token as owner/team/agent, an owner token as the owner', () => {
    expect(agent('agent-1')).toEqual({ ownerId: 'olga', agentKey: 'olga/team-1/agent-1' });
    expect(principalOf({ ownerId: 'olga', expiresAt })).toEqual({ ownerId: 'olga' });
  });

  it('counts an agent token to itself and to its owner; a refused agent request costs the owner nothing', async () => {
    const limiter = createRateLimiter(limits({ requestsPerSecond: 5 }, { requestsPerSecond: 2 }));
    const one = agent('agent-1');
    const two = agent('agent-2');
    const agentRefusal = /^Too many requests: at most 2 per second per agent token; retry in 1 s$/;
    expect([await attempt(limiter, one), await attempt(limiter, one)]).toEqual(['ok', 'ok']);
    expect(await attempt(limiter, one)).toMatch(agentRefusal);
    expect([await attempt(limiter, two), await attempt(limiter, two)]).toEqual(['ok', 'ok']);
    // The owner has used 4 of its 5: one more, then its own limit.
    expect(await attempt(limiter, { ownerId: 'olga' })).toBe('ok');
    expect(await attempt(limiter, { ownerId: 'olga' })).toMatch(/^Too many requests: at most 5 per second per owner; retry in 1 s$/);
    expect(await attempt(limiter, agent('agent-3'))).toMatch(/per owner/);
    expect(await attempt(limiter, { ownerId: 'someone-else' })).toBe('ok');
  });

  it('allows a burst past the rate, then waits for the next window', async () => {
    const limiter = createRateLimiter(limits({ requestsPerSecond: 2, burst: 3 }));
    const p = { ownerId: 'bursty' };
    const first = [];
    for (let i = 0; i < 6; i++) first.push(await attempt(limiter, p));
    expect(first.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(first[5]).toMatch(/at most 2 per second per owner; retry in 1 s/);
    // A new second brings the rate back; the burst stays spent for its 10-second window.
    await waitFor(async () => (await attempt(limiter, p)) === 'ok', { timeoutMs: 5_000, what: 'the next 1-second window' });
    expect([await attempt(limiter, p), await attempt(limiter, p)]).toEqual(['ok', expect.stringMatching(/Too many requests/)]);
  });

  it('takes long-poll and subscription places for agent and owner together, or not at all', async () => {
    const limiter = createRateLimiter(limits({ longPolls: 2, subscriptions: 1 }, { longPolls: 1, subscriptions: 5 }));
    const ends: (() => void)[] = [];
    const holding = () => new Promise<string>((resolve) => ends.push(() => resolve('answered')));
    const one = limiter.longPoll(agent('agent-1'), holding);
    await expect(limiter.longPoll(agent('agent-1'), holding)).rejects.toThrow('Too many long polls: at most 1 at once per agent token');
    const two = limiter.longPoll(agent('agent-2'), holding);
    await expect(limiter.longPoll({ ownerId: 'olga' }, holding)).rejects.toThrow('Too many long polls: at most 2 at once per owner');
    // agent-3 was refused by the owner's limit: it holds no place of its own either.
    await expect(limiter.longPoll(agent('agent-3'), holding)).rejects.toThrow('per owner');
    expect(limiter.held().longPolls).toBe(2);
    ends.shift()!();
    expect(await one).toBe('answered');
    const three = limiter.longPoll(agent('agent-3'), holding);
    expect(limiter.held().longPolls).toBe(2);
    // A poll that fails gives its place back too.
    ends.splice(0).forEach((end) => end());
    await Promise.all([two, three]);
    await expect(limiter.longPoll(agent('agent-1'), () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(limiter.held().longPolls).toBe(0);

    const giveBack = limiter.subscription(agent('agent-1'));
    expect(() => limiter.subscription(agent('agent-2'))).toThrow('Too many subscriptions: at most 1 at once per owner');
    giveBack();
    giveBack(); // given back once only
    const again = limiter.subscription(agent('agent-2'));
    expect(() => limiter.subscription({ ownerId: 'olga' })).toThrow('per owner');
    again();
    expect(limiter.held().subscriptions).toBe(0);
  });
});

interface Answer {
  status: number;
  retryAfter: string | null;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of an answer
}

/** An owner's name (an owner token of it), or any token. */
type Caller = string | { token: string };
const bearer = async (s: TestServer, who: Caller) => `Bearer ${typeof who === 'string' ? await s.tokenFor(who) : who.token}`;

async function call(s: TestServer, who: Caller, method: string, path: string, body?: object, signal?: AbortSignal): Promise<Answer> {
  const res = await fetch(`${s.baseUrl}${path}`, {
    method,
    headers: { authorization: await bearer(s, who), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal,
  });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: text ? JSON.parse(text) : undefined };
}

const graphql = (s: TestServer, who: Caller, query: string, variables?: object) => call(s, who, 'POST', '/graphql', { query, variables });

/** One operation over a websocket: its data, or its errors (an error message or a result with errors). */
function over(client: Client, query: string, variables?: Record<string, unknown>) {
  return new Promise<{ data?: unknown; errors?: any[] }>((resolve) => {
    let answer: { data?: unknown; errors?: any[] } = {};
    client.subscribe(
      { query, variables },
      {
        next: (value) => (answer = value as typeof answer),
        error: (err) => resolve({ errors: Array.isArray(err) ? err : [err] }),
        complete: () => resolve(answer),
      },
    );
  });
}

const RETRY_AFTER = /^[1-9]\d*$/;

describe('requests per second', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ listen: true, config: { rateLimits: limits({ requestsPerSecond: 3 }) } });
    // A first request warms the server up (its queries, the REST plans) for everyone.
    await call(s, 'warm-up', 'GET', '/work-queues');
  });
  afterAll(() => s.stop());

  // Four at once: each is counted on arrival, before it runs, so all four fall in one window.
  const fourAtOnce = <T extends { status: number }>(send: () => Promise<T>) => Promise.all([send(), send(), send(), send()]);
  const byStatus = <T extends { status: number }>(answers: T[]) => [...answers].sort((x, y) => x.status - y.status);

  it('answers REST past the limit with 429, Retry-After and the error envelope; counts a REST call once; serves again after the window', async () => {
    const answers = byStatus(await fourAtOnce(() => call(s, 'rita', 'GET', '/work-queues')));
    // Three calls pass: the shim's GraphQL operation inside a call is not counted again.
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    const refused = answers[3]!;
    expect(refused.retryAfter).toMatch(RETRY_AFTER);
    expect(refused.body).toEqual({
      error: { code: 'RATE_LIMITED', message: 'Too many requests: at most 3 per second per owner; retry in 1 s', requestId: expect.any(String) },
    });
    // Another owner is unaffected.
    expect((await call(s, 'rita-neighbour', 'GET', '/work-queues')).status).toBe(200);
    await waitFor(async () => (await call(s, 'rita', 'GET', '/work-queues')).status === 200, { timeoutMs: 5_000, what: 'rita served again' });
  });

  it('answers the /api/v1 envelope past the limit', async () => {
    const answers = byStatus(await fourAtOnce(() => call(s, 'vera', 'GET', '/api/v1/teams')));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[3]!.retryAfter).toMatch(RETRY_AFTER);
    expect(answers[3]!.body).toEqual({
      ok: false,
      error: { code: 'RATE_LIMITED', message: 'Too many requests: at most 3 per second per owner; retry in 1 s', requestId: expect.any(String) },
    });
  });

  it('answers GraphQL over HTTP past the limit with RATE_LIMITED, HTTP 429 and Retry-After', async () => {
    const answers = byStatus(await fourAtOnce(() => graphql(s, 'gus', '{ workQueues { totalCount } }')));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    const refused = answers[3]!;
    expect(refused.retryAfter).toMatch(RETRY_AFTER);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toEqual([
      { message: 'Too many requests: at most 3 per second per owner; retry in 1 s', extensions: { code: 'RATE_LIMITED', retryAfter: 1 } },
    ]);
    expect((await graphql(s, 'gus-neighbour', '{ __typename }')).status).toBe(200);
    await waitFor(async () => (await graphql(s, 'gus', '{ __typename }')).status === 200, { timeoutMs: 5_000, what: 'gus served again' });
  });

  it('answers the A2A front door past the limit with 429 and Retry-After', async () => {
    const team = await graphql(s, 'amy', 'mutation { createTeam(input: { name: "a2a", size: 1 }) { id } }');
    const card = `/a2a/teams/${team.body.data.createTeam.id}/.well-known/agent-card.json`;
    // Each card is one team lookup; the team's creation may still count in this second.
    const answers = byStatus(await fourAtOnce(() => call(s, 'amy', 'GET', card)));
    expect(answers[0]!.status).toBe(200);
    const refused = answers.at(-1)!;
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toMatch(RETRY_AFTER);
    expect(refused.body).toEqual({ error: { code: 'RATE_LIMITED', message: 'Too many requests: at most 3 per second per owner; retry in 1 s' } });
  });

  it('fails a websocket operation past the limit, keeping the socket open', async () => {
    const ws = await s.wsClient({ authorization: `Bearer ${await s.tokenFor('wanda')}` });
    const answers = await Promise.all(Array.from({ length: 4 }, () => over(ws.client, '{ __typename }')));
    expect(answers.filter((a) => a.data)).toEqual(Array(3).fill({ data: { __typename: 'Query' } }));
    expect(answers.find((a) => a.errors)?.errors).toMatchObject([
      { message: 'Too many requests: at most 3 per second per owner; retry in 1 s', extensions: { code: 'RATE_LIMITED', retryAfter: 1 } },
    ]);
    await waitFor(async () => (await over(ws.client, '{ __typename }')).data !== undefined, { timeoutMs: 5_000, what: 'the same socket served again' });
    expect(ws.closed()).toBeUndefined();
  });
});

describe('long polls and subscriptions at once', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ listen: true, config: { rateLimits: limits({ longPolls: 2, subscriptions: 2 }) } });
  });
  afterAll(() => s.stop());

  const newQueue = async (owner: string) => (await s.ok(CreateWorkQueueDocument, { input: { name: 'polled' } }, owner)).createWorkQueue.id;
  const poll = (owner: string, queueId: string, agentId: string, signal?: AbortSignal, wait = 30) =>
    call(s, owner, 'POST', `/work-queues/${queueId}/dequeue?wait=${wait}`, { agentId }, signal);
  const held = () => s.app.rateLimits.held();

  it('refuses a long poll past the limit on REST, GraphQL and websockets, and frees a place when a poll ends, however it ends', async () => {
    const queueId = await newQueue('paula');
    const first = new AbortController();
    const second = new AbortController();
    const polls = [poll('paula', queueId, 'a', first.signal).catch(() => 'aborted'), poll('paula', queueId, 'b', second.signal).catch(() => 'aborted')];
    await s.whenSubscribed('work', queueId, 2);

    const refused = await poll('paula', queueId, 'c');
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('1');
    expect(refused.body).toMatchObject({ error: { code: 'RATE_LIMITED', message: 'Too many long polls: at most 2 at once per owner' } });
    const overGraphql = await graphql(s, 'paula', print(DequeueTaskWaitingDocument), { queueId, agentId: 'c', waitSeconds: 30 });
    expect(overGraphql.status).toBe(429);
    expect(overGraphql.retryAfter).toBe('1');
    expect(overGraphql.body.errors).toMatchObject([{ extensions: { code: 'RATE_LIMITED', retryAfter: 1 }, path: ['dequeueTask'] }]);
    const ws = await s.wsClient({ authorization: `Bearer ${await s.tokenFor('paula')}` });
    const overWs = await over(ws.client, print(DequeueTaskWaitingDocument), { queueId, agentId: 'c', waitSeconds: 30 });
    expect(overWs.errors).toMatchObject([{ extensions: { code: 'RATE_LIMITED' } }]);
    // A dequeue that does not wait needs no place; another owner has places of its own.
    expect((await call(s, 'paula', 'POST', `/work-queues/${queueId}/dequeue`, { agentId: 'c' })).status).toBe(204);
    const neighbours = await newQueue('paula-neighbour');
    expect((await poll('paula-neighbour', neighbours, 'n', undefined, 1)).status).toBe(204);

    // Aborted: its place is given back, and a new poll is accepted.
    first.abort();
    await waitFor(() => held().longPolls === 1, { what: () => `the aborted poll's place back (held: ${held().longPolls})` });
    const third = new AbortController();
    polls.push(poll('paula', queueId, 'd', third.signal).catch(() => 'aborted'));
    await s.whenSubscribed('work', queueId, 2);
    expect(held().longPolls).toBe(2);

    // Answered with a task: given back.
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'for a poller' } }, 'paula');
    await waitFor(() => held().longPolls === 1, { what: 'the answered poll’s place back' });
    // Refused for bad input: nothing held.
    expect((await poll('paula', queueId, 'e', undefined, 31)).status).toBe(400);
    // Timed out: given back.
    expect((await poll('paula', queueId, 'f', undefined, 1)).status).toBe(204);
    expect(held().longPolls).toBe(1);
    // Over a websocket that closes: given back.
    const closing = over(ws.client, print(DequeueTaskWaitingDocument), { queueId, agentId: 'g', waitSeconds: 30 });
    await waitFor(() => held().longPolls === 2, { what: 'the websocket poll waiting' });
    await ws.client.dispose();
    await closing;
    // The task went to b or d: the other one is still waiting until aborted.
    second.abort();
    third.abort();
    await waitFor(() => held().longPolls === 0, { what: () => `every place back (held: ${held().longPolls})` });
    const answered = await Promise.all(polls);
    expect(answered.filter((a) => typeof a === 'object' && a.status === 200)).toHaveLength(1);
  });

  it('refuses a subscription past the per-owner limit over websockets and SSE, and frees a place when one ends', async () => {
    const queueId = await newQueue('sam');
    const token = { authorization: `Bearer ${await s.tokenFor('sam')}` };
    // Two sockets: the per-socket limit (100) plays no part.
    const [one, two] = await Promise.all([s.wsClient(token), s.wsClient(token)]);
    const a = collect(one.client, TaskEventsDocument, { queueId });
    const b = collect(two.client, TaskEventsDocument, { queueId });
    await s.whenSubscribed('queueTasks', queueId, 2);

    const c = collect(two.client, TaskEventsDocument, { queueId });
    await waitFor(() => c.errors.length > 0 || c.completed, { what: 'the third subscription refused' });
    expect(c.errors).toMatchObject([{ message: 'Too many subscriptions: at most 2 at once per owner', extensions: { code: 'RATE_LIMITED', retryAfter: 1 } }]);
    expect(await over(two.client, '{ __typename }')).toEqual({ data: { __typename: 'Query' } });
    expect(two.closed()).toBeUndefined();

    const sse = await fetch(`${s.baseUrl}/graphql`, {
      method: 'POST',
      headers: { ...token, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: print(TaskEventsDocument), variables: { queueId } }),
    });
    expect(sse.status).toBe(429);
    expect(sse.headers.get('retry-after')).toBe('1');
    expect(await sse.text()).toMatch(/"message":"Too many subscriptions: at most 2 at once per owner","extensions":\{"code":"RATE_LIMITED","retryAfter":1\}/);
    expect(held().subscriptions).toBe(2);

    // Another owner is unaffected.
    const other = await s.wsClient({ authorization: `Bearer ${await s.tokenFor('sam-neighbour')}` });
    const otherQueue = await newQueue('sam-neighbour');
    const elsewhere = collect(other.client, TaskEventsDocument, { queueId: otherQueue });
    await s.whenSubscribed('queueTasks', otherQueue, 1);
    expect(elsewhere.errors).toEqual([]);
    elsewhere.stop();

    // Unsubscribed: its place is given back.
    a.stop();
    await waitFor(() => held().subscriptions === 1, { what: 'a’s place back' });
    const d = collect(one.client, TaskEventsDocument, { queueId });
    await s.whenSubscribed('queueTasks', queueId, 2);
    await s.ok(EnqueueTaskDocument, { queueId, input: { name: 'seen by b and d' } }, 'sam');
    await waitFor(() => b.items.length === 1 && d.items.length === 1, { what: 'b and d hearing the task' });
    // Socket closed: its subscriptions give their places back.
    await two.client.dispose();
    await one.client.dispose();
    await waitFor(() => held().subscriptions === 0, { what: () => `every subscription place back (held: ${held().subscriptions})` });
  });
});

describe('agent tokens', () => {
  let s: TestServer;
  let queueId: string;
  /** Agent tokens of agent-1 … agent-6: each test uses its own, so one test's requests do not limit another's. */
  let agents: { token: string }[];
  beforeAll(async () => {
    s = await startTestServer({ listen: true, config: { rateLimits: limits({ longPolls: 2 }, { requestsPerSecond: 5, longPolls: 1, subscriptions: 1 }) } });
    const team = await graphql(s, 'ada', 'mutation { createTeam(input: { name: "limited", size: 6 }) { id queue { id } } }');
    const teamId = team.body.data.createTeam.id as string;
    queueId = team.body.data.createTeam.queue.id;
    const mint = async (agent: string) => {
      const minted = await graphql(s, 'ada', 'mutation($t: ID!, $a: String!) { createAgentToken(teamId: $t, agent: $a) { token } }', { t: teamId, a: agent });
      return { token: minted.body.data.createAgentToken.token as string };
    };
    agents = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => mint(`agent-${n}`)));
  });
  afterAll(() => s.stop());

  const held = () => s.app.rateLimits.held();

  it('limits each agent token on its own (owner/team/agent), beside its owner', async () => {
    const [five, six] = [agents[4]!, agents[5]!];
    const answers = await Promise.all(Array.from({ length: 6 }, () => graphql(s, five, `query($q: ID!) { workQueue(id: $q) { id } }`, { q: queueId })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 429]);
    expect(answers.find((a) => a.status === 429)!.body.errors).toMatchObject([
      { message: 'Too many requests: at most 5 per second per agent token; retry in 1 s', extensions: { code: 'RATE_LIMITED', retryAfter: 1 } },
    ]);
    // Another agent of the same team, and the owner (no per-second limit here), are served.
    expect((await graphql(s, six, `query($q: ID!) { workQueue(id: $q) { id } }`, { q: queueId })).status).toBe(200);
    expect((await graphql(s, 'ada', '{ __typename }')).status).toBe(200);
  });

  it('counts an agent token’s long polls to itself and to its owner', async () => {
    const [one, two] = [agents[0]!, agents[1]!];
    const stop = new AbortController();
    const poll = (who: Caller) => call(s, who, 'POST', `/work-queues/${queueId}/dequeue?wait=30`, {}, stop.signal);
    const waiting = [poll(one).catch(() => 'aborted')];
    await s.whenSubscribed('work', queueId, 1);
    const again = await poll(one);
    expect(again.status).toBe(429);
    expect(again.body.error).toMatchObject({ code: 'RATE_LIMITED', message: 'Too many long polls: at most 1 at once per agent token' });
    waiting.push(poll(two).catch(() => 'aborted'));
    await s.whenSubscribed('work', queueId, 2);
    // The owner's two places are taken by its agents.
    const owners = await poll('ada');
    expect(owners.status).toBe(429);
    expect(owners.body.error.message).toBe('Too many long polls: at most 2 at once per owner');
    stop.abort();
    expect(await Promise.all(waiting)).toEqual(['aborted', 'aborted']);
    await waitFor(() => held().longPolls === 0, { what: 'every place back' });
  });

  it('limits an agent token’s subscriptions', async () => {
    const [three, four] = [agents[2]!, agents[3]!];
    const ws = await s.wsClient({ authorization: await bearer(s, three) });
    const first = collect(ws.client, TaskEventsDocument, { queueId });
    await s.whenSubscribed('queueTasks', queueId, 1);
    const second = collect(ws.client, TaskEventsDocument, { queueId });
    await waitFor(() => second.errors.length > 0, { what: 'the second subscription refused' });
    expect(second.errors).toMatchObject([{ message: 'Too many subscriptions: at most 1 at once per agent token', extensions: { code: 'RATE_LIMITED' } }]);
    // Another agent has its own.
    const other = await s.wsClient({ authorization: await bearer(s, four) });
    collect(other.client, TaskEventsDocument, { queueId });
    await s.whenSubscribed('queueTasks', queueId, 2);
    first.stop();
    await waitFor(() => held().subscriptions === 1, { what: 'the first subscription’s place back' });
    const third = collect(ws.client, TaskEventsDocument, { queueId });
    await s.whenSubscribed('queueTasks', queueId, 2);
    expect(third.errors).toEqual([]);
  });
});

describe('limits off', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ listen: true, config: { rateLimits: limits({}, {}) } });
  });
  afterAll(() => s.stop());

  it('lets every request, long poll and subscription through', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, () => call(s, 'free', 'GET', '/work-queues')));
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'free' } }, 'free')).createWorkQueue.id;
    const stop = new AbortController();
    const polls = Array.from({ length: 12 }, (_, i) => call(s, 'free', 'POST', `/work-queues/${queueId}/dequeue?wait=30`, { agentId: `a${i}` }, stop.signal).catch(() => 'aborted'));
    await s.whenSubscribed('work', queueId, 12);
    const ws = await s.wsClient({ authorization: `Bearer ${await s.tokenFor('free')}` });
    const subscriptions = Array.from({ length: 12 }, () => collect(ws.client, TaskEventsDocument, { queueId }));
    await s.whenSubscribed('queueTasks', queueId, 12);
    expect(subscriptions.flatMap((sub) => sub.errors)).toEqual([]);
    expect(s.app.rateLimits.held()).toEqual({ longPolls: 12, subscriptions: 12 });
    stop.abort();
    expect(await Promise.all(polls)).toEqual(Array(12).fill('aborted'));
  });
});

describe('shutting down', () => {
  it('gives back the places of the long polls it ends', async () => {
    const s = await startTestServer({ config: { rateLimits: limits({ longPolls: 5 }) } });
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'stopping' } })).createWorkQueue.id;
    const polls = Array.from({ length: 3 }, (_, i) => s.gql(DequeueTaskWaitingDocument, { queueId, agentId: `a${i}`, waitSeconds: 30 }));
    await s.whenSubscribed('work', queueId, 3);
    expect(s.app.rateLimits.held().longPolls).toBe(3);
    await s.stop();
    expect((await Promise.all(polls)).map((p) => p.data?.dequeueTask)).toEqual([null, null, null]);
    expect(s.app.rateLimits.held().longPolls).toBe(0);
  });
});
