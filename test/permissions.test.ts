import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema/index.js';
import type { Topics } from '../src/events/bus.js';
import { waitFor } from './helpers/eventually.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// The permission table: every Query, Mutation and Subscription field of the schema, run with four
// tokens of one owner: the owner's, the right agent's (agent-1 of team A, whose resources each
// row uses), another agent of the same team (agent-2 of A) and an agent of another team (agent-1
// of B). A field of the schema without a row fails the test.

type Who = 'owner' | 'right' | 'sibling' | 'foreign';
const WHO: Who[] = ['owner', 'right', 'sibling', 'foreign'];
/** 'ok': answered without any error; otherwise the error code. */
type Outcome = 'ok' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT';

let s: TestServer;
const tokens = {} as Record<Who, string>;
let teamA: string;
let teamB: string;
let queueA: string;
let sideQueueA: string;
let dispatchA: string;

interface Gql {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function gql(who: Who | string, query: string, variables: Record<string, unknown> = {}): Promise<Gql> {
  const token = who in tokens ? tokens[who as Who] : who;
  const res = await s.app.yoga.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Gql;
}

async function ok<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await gql('owner', query, variables);
  if (res.errors?.length) throw new Error(`setup failed: ${JSON.stringify(res.errors)}`);
  return res.data as T;
}

const outcome = (res: Gql): string => (res.errors?.length ? String(res.errors[0]!.extensions?.code ?? res.errors[0]!.message) : 'ok');

/** Cancels what agent-1 of team A holds, so it may take work again. */
async function freeAgent1() {
  const held = await ok<{ workQueue: { tasks: { edges: { node: { id: string; assignedAgentId: string | null } }[] } } }>(
    `query($q: ID!) { workQueue(id: $q) { tasks(first: 100) { edges { node { id assignedAgentId status } } } } }`,
    { q: queueA },
  );
  const side = await ok<{ workQueue: { tasks: { edges: { node: { id: string; assignedAgentId: string | null } }[] } } }>(
    `query($q: ID!) { workQueue(id: $q) { tasks(first: 100) { edges { node { id assignedAgentId status } } } } }`,
    { q: sideQueueA },
  );
  for (const { node } of [...held.workQueue.tasks.edges, ...side.workQueue.tasks.edges]) {
    const t = node as { id: string; assignedAgentId: string | null; status: string };
    if (t.assignedAgentId === 'agent-1' && (t.status === 'ASSIGNED' || t.status === 'INPUT_REQUIRED')) {
      await ok(`mutation($id: ID!) { cancelTask(id: $id) { id } }`, { id: t.id });
    }
  }
}

/** A task of team A's queue that agent-1 holds now. */
async function heldByAgent1(): Promise<{ id: string; leaseToken: string }> {
  await freeAgent1();
  await ok(`mutation($q: ID!) { enqueueTask(queueId: $q, input: { name: "work", priority: 5 }) { id } }`, { q: queueA });
  const { dequeueTask } = await ok<{ dequeueTask: { id: string; leaseToken: string } }>(
    `mutation($q: ID!) { dequeueTask(queueId: $q, agentId: "agent-1") { id leaseToken } }`,
    { q: queueA },
  );
  return dequeueTask;
}

async function pendingInA(): Promise<string> {
  return (await ok<{ enqueueTask: { id: string } }>(`mutation($q: ID!) { enqueueTask(queueId: $q, input: { name: "p" }) { id } }`, { q: sideQueueA })).enqueueTask.id;
}

interface Row {
  query: string;
  /** Fresh variables for one cell (mutations change state). */
  vars: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  expect: [owner: Outcome, right: Outcome, sibling: Outcome, foreign: Outcome];
}

const F = 'FORBIDDEN';
const READ_TEAM: Row['expect'] = ['ok', 'ok', 'ok', F];
const AS_AGENT_1: Row['expect'] = ['ok', 'ok', F, F];
const OWNER: Row['expect'] = ['ok', F, F, F];

const rows: Record<string, Row> = {
  'Query.node': { query: `query($id: ID!) { node(id: $id) { id } }`, vars: async () => ({ id: await pendingInA() }), expect: READ_TEAM },
  'Query.nodes': { query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, vars: () => ({ ids: [teamA, queueA] }), expect: READ_TEAM },
  'Query.team': { query: `query($id: ID!) { team(id: $id) { id members { name } queue { id } } }`, vars: () => ({ id: teamA }), expect: READ_TEAM },
  'Query.teams': { query: `{ teams { totalCount } }`, vars: () => ({}), expect: OWNER },
  'Query.workQueue': { query: `query($id: ID!) { workQueue(id: $id) { id tasks { totalCount } } }`, vars: () => ({ id: queueA }), expect: READ_TEAM },
  'Query.workQueues': { query: `query($t: String) { workQueues(teamId: $t) { totalCount } }`, vars: () => ({ t: teamA }), expect: READ_TEAM },
  'Query.task': { query: `query($id: ID!) { task(id: $id) { id events { type } } }`, vars: async () => ({ id: await pendingInA() }), expect: READ_TEAM },
  'Query.awaitingInput': { query: `query($t: ID) { awaitingInput(teamId: $t) { totalCount } }`, vars: () => ({ t: teamA }), expect: READ_TEAM },
  'Query.dispatch': { query: `query($id: ID!, $t: ID) { dispatch(id: $id, teamId: $t) { id } }`, vars: () => ({ id: dispatchA, t: teamA }), expect: READ_TEAM },
  'Query.inbox': { query: `query($t: ID!) { inbox(teamId: $t, agent: "agent-1") { id } }`, vars: () => ({ t: teamA }), expect: AS_AGENT_1 },
  'Query.messages': { query: `query($t: ID!) { messages(teamId: $t) { totalCount } }`, vars: () => ({ t: teamA }), expect: OWNER },
  'Query.schedules': { query: `query($q: ID!) { schedules(queueId: $q) { id } }`, vars: () => ({ q: queueA }), expect: OWNER },

  'Mutation.createTeam': { query: `mutation($n: String!) { createTeam(input: { name: $n, size: 1 }) { id } }`, vars: () => ({ n: `t-${Math.random()}` }), expect: OWNER },
  'Mutation.addTeamMember': { query: `mutation($t: ID!) { addTeamMember(teamId: $t) { size } }`, vars: () => ({ t: teamA }), expect: OWNER },
  'Mutation.setTeamBudget': {
    query: `mutation($t: ID!) { setTeamBudget(teamId: $t, budget: { maxTasks: 50 }) { status } }`,
    vars: () => ({ t: teamA }),
    expect: OWNER,
  },
  'Mutation.resumeTeam': { query: `mutation($t: ID!) { resumeTeam(teamId: $t) { status } }`, vars: () => ({ t: teamA }), expect: OWNER },
  'Mutation.stopTeam': {
    query: `mutation($t: ID!) { stopTeam(id: $t) { status } }`,
    // A throwaway team: stopping team A would end the rest of the table.
    vars: async () => ({ t: (await ok<{ createTeam: { id: string } }>(`mutation($n: String!) { createTeam(input: { name: $n, size: 1 }) { id } }`, { n: `s-${Math.random()}` })).createTeam.id }),
    expect: ['ok', F, F, F],
  },
  'Mutation.createWorkQueue': { query: `mutation($t: String) { createWorkQueue(input: { name: "q", teamId: $t }) { id } }`, vars: () => ({ t: teamA }), expect: OWNER },
  'Mutation.deleteWorkQueue': {
    query: `mutation($id: ID!) { deleteWorkQueue(id: $id) { id } }`,
    vars: async () => ({ id: (await ok<{ createWorkQueue: { id: string } }>(`mutation($t: String) { createWorkQueue(input: { name: "doomed", teamId: $t }) { id } }`, { t: teamA })).createWorkQueue.id }),
    expect: OWNER,
  },
  'Mutation.enqueueTask': { query: `mutation($q: ID!) { enqueueTask(queueId: $q, input: { name: "split" }) { id } }`, vars: () => ({ q: sideQueueA }), expect: READ_TEAM },
  'Mutation.enqueueTasks': { query: `mutation($q: ID!) { enqueueTasks(queueId: $q, tasks: [{ name: "split" }]) { id } }`, vars: () => ({ q: sideQueueA }), expect: READ_TEAM },
  'Mutation.dequeueTask': {
    query: `mutation($q: ID!) { dequeueTask(queueId: $q, agentId: "agent-1") { id } }`,
    vars: async () => (await freeAgent1(), { q: queueA }),
    expect: AS_AGENT_1,
  },
  'Mutation.dequeueTasks': {
    query: `mutation($q: ID!) { dequeueTasks(queueId: $q, agentId: "agent-1", limit: 1) { id } }`,
    vars: async () => (await freeAgent1(), { q: queueA }),
    expect: AS_AGENT_1,
  },
  'Mutation.stealTask': {
    query: `mutation($q: ID!) { stealTask(queueId: $q, agentId: "agent-1") { id } }`,
    vars: async () => (await freeAgent1(), { q: queueA }),
    expect: AS_AGENT_1,
  },
  'Mutation.heartbeatTask': { query: `mutation($id: ID!) { heartbeatTask(id: $id) { id } }`, vars: async () => ({ id: (await heldByAgent1()).id }), expect: AS_AGENT_1 },
  'Mutation.completeTask': { query: `mutation($id: ID!) { completeTask(id: $id, result: { ok: true }) { status } }`, vars: async () => ({ id: (await heldByAgent1()).id }), expect: AS_AGENT_1 },
  'Mutation.completeTasks': {
    query: `mutation($id: ID!) { completeTasks(items: [{ id: $id }]) { ok code } }`,
    vars: async () => ({ id: (await heldByAgent1()).id }),
    expect: AS_AGENT_1,
  },
  'Mutation.failTask': { query: `mutation($id: ID!) { failTask(id: $id, error: "no") { status } }`, vars: async () => ({ id: (await heldByAgent1()).id }), expect: AS_AGENT_1 },
  'Mutation.failTasks': { query: `mutation($id: ID!) { failTasks(items: [{ id: $id, error: "no" }]) { ok code } }`, vars: async () => ({ id: (await heldByAgent1()).id }), expect: AS_AGENT_1 },
  'Mutation.requestInput': {
    query: `mutation($id: ID!, $l: String!) { requestInput(id: $id, leaseToken: $l, request: { q: "?" }) { status } }`,
    vars: async () => {
      const t = await heldByAgent1();
      return { id: t.id, l: t.leaseToken };
    },
    expect: AS_AGENT_1,
  },
  'Mutation.provideInput': {
    query: `mutation($id: ID!) { provideInput(id: $id, response: { a: 1 }) { status } }`,
    vars: async () => {
      const t = await heldByAgent1();
      await ok(`mutation($id: ID!, $l: String!) { requestInput(id: $id, leaseToken: $l, request: { q: "?" }) { id } }`, { id: t.id, l: t.leaseToken });
      return { id: t.id };
    },
    expect: OWNER,
  },
  'Mutation.cancelTask': { query: `mutation($id: ID!) { cancelTask(id: $id) { status } }`, vars: async () => ({ id: await pendingInA() }), expect: OWNER },
  'Mutation.retryTask': {
    query: `mutation($id: ID!) { retryTask(id: $id) { status } }`,
    vars: async () => {
      const id = await pendingInA();
      await ok(`mutation($id: ID!) { cancelTask(id: $id) { id } }`, { id });
      return { id };
    },
    expect: OWNER,
  },
  'Mutation.retryTasks': { query: `mutation($q: ID!) { retryTasks(queueId: $q) { retried } }`, vars: () => ({ q: sideQueueA }), expect: OWNER },
  'Mutation.createSchedule': {
    query: `mutation($q: ID!) { createSchedule(queueId: $q, cron: "0 0 1 1 *", task: { name: "yearly" }) { id } }`,
    vars: () => ({ q: sideQueueA }),
    expect: OWNER,
  },
  'Mutation.deleteSchedule': {
    query: `mutation($id: ID!) { deleteSchedule(id: $id) { id } }`,
    vars: async () => ({
      id: (await ok<{ createSchedule: { id: string } }>(`mutation($q: ID!) { createSchedule(queueId: $q, cron: "0 0 1 1 *", task: { name: "y" }) { id } }`, { q: sideQueueA })).createSchedule.id,
    }),
    expect: OWNER,
  },
  'Mutation.dispatchToTeam': { query: `mutation($t: ID!) { dispatchToTeam(teamId: $t, input: { task: "go" }) { id } }`, vars: () => ({ t: teamA }), expect: OWNER },
  'Mutation.startBackgroundTask': { query: `mutation($t: ID!) { startBackgroundTask(teamId: $t, input: { task: "bg" }) { id } }`, vars: () => ({ t: teamA }), expect: OWNER },
  'Mutation.sendMessage': { query: `mutation($t: ID!) { sendMessage(teamId: $t, input: { from: "agent-1", body: "hi" }) { id } }`, vars: () => ({ t: teamA }), expect: AS_AGENT_1 },
  'Mutation.markMessagesRead': { query: `mutation($t: ID!) { markMessagesRead(teamId: $t, agent: "agent-1", upTo: 0) }`, vars: () => ({ t: teamA }), expect: AS_AGENT_1 },
  'Mutation.createAgentToken': { query: `mutation($t: ID!) { createAgentToken(teamId: $t, agent: "agent-1") { token } }`, vars: () => ({ t: teamA }), expect: OWNER },
  // agent-3: the table's own tokens stay valid.
  'Mutation.revokeAgentTokens': { query: `mutation($t: ID!) { revokeAgentTokens(teamId: $t, agent: "agent-3") { version } }`, vars: () => ({ t: teamA }), expect: OWNER },
};

/** Subscriptions: allowed means the stream is open on the bus topic; refused means its first event is the error. */
const subscriptionRows: Record<string, { query: string; vars: () => Record<string, unknown>; topic: () => [keyof Topics, string]; expect: Row['expect'] }> = {
  'Subscription.mailbox': {
    query: `subscription($t: ID!) { mailbox(teamId: $t, agent: "agent-1") { id } }`,
    vars: () => ({ t: teamA }),
    topic: () => ['mailbox', teamA],
    expect: AS_AGENT_1,
  },
  'Subscription.teamMessages': { query: `subscription($t: ID!) { teamMessages(teamId: $t) { id } }`, vars: () => ({ t: teamA }), topic: () => ['mailbox', teamA], expect: OWNER },
  'Subscription.taskEvents': {
    query: `subscription($t: ID) { taskEvents(teamId: $t) { id } }`,
    vars: () => ({ t: teamA }),
    topic: () => ['teamTasks', teamA],
    expect: READ_TEAM,
  },
  'Subscription.teamEvents': {
    query: `subscription($t: ID) { teamEvents(teamId: $t) { id } }`,
    vars: () => ({ t: teamA }),
    topic: () => ['teamEvents', teamA],
    expect: READ_TEAM,
  },
};

async function subscribeOutcome(who: Who, row: (typeof subscriptionRows)[string]): Promise<string> {
  const [topic, id] = row.topic();
  const before = s.subscriptions(topic, id);
  const controller = new AbortController();
  const res = await fetch(`${s.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tokens[who]}` },
    body: JSON.stringify({ query: row.query, variables: row.vars() }),
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  const firstData = (async () => {
    let text = '';
    while (!/^data: .*$/m.test(text)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    const data = /^data: (.*)$/m.exec(text)?.[1];
    return data ? outcome(JSON.parse(data) as Gql) : 'ended';
  })();
  try {
    return await Promise.race([firstData, s.whenSubscribed(topic, id, before + 1).then(() => 'ok')]);
  } finally {
    controller.abort();
    await firstData.catch(() => undefined);
    // The next cell counts from here: this stream's listeners are gone first.
    await waitFor(() => s.subscriptions(topic, id) <= before, { what: () => `the aborted subscription on ${topic}:${id} to end` });
  }
}

beforeAll(async () => {
  s = await startTestServer({ listen: true });
  tokens.owner = await s.tokenFor('alice');
  const team = async (name: string) =>
    (await ok<{ createTeam: { id: string; queue: { id: string } } }>(`mutation($n: String!) { createTeam(input: { name: $n, size: 3 }) { id queue { id } } }`, { n: name })).createTeam;
  const a = await team('alpha');
  const b = await team('beta');
  teamA = a.id;
  queueA = a.queue.id;
  teamB = b.id;
  sideQueueA = (await ok<{ createWorkQueue: { id: string } }>(`mutation($t: String) { createWorkQueue(input: { name: "side", teamId: $t }) { id } }`, { t: teamA })).createWorkQueue.id;
  dispatchA = (await ok<{ dispatchToTeam: { id: string } }>(`mutation($t: ID!) { dispatchToTeam(teamId: $t, input: { task: "first" }) { id } }`, { t: teamA })).dispatchToTeam.id;
  const mint = async (teamId: string, agent: string) =>
    (await ok<{ createAgentToken: { token: string } }>(`mutation($t: ID!, $a: String!) { createAgentToken(teamId: $t, agent: $a) { token } }`, { t: teamId, a: agent })).createAgentToken.token;
  tokens.right = await mint(teamA, 'agent-1');
  tokens.sibling = await mint(teamA, 'agent-2');
  tokens.foreign = await mint(teamB, 'agent-1');
});
afterAll(() => s.stop());

describe('the permission table', () => {
  it('has a row for every Query, Mutation and Subscription field of the schema', () => {
    const fields = [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!].flatMap((type) =>
      Object.keys(type.getFields()).map((name) => `${type.name}.${name}`),
    );
    expect(fields.filter((f) => !(f in rows) && !(f in subscriptionRows))).toEqual([]);
    expect(Object.keys({ ...rows, ...subscriptionRows }).filter((f) => !fields.includes(f))).toEqual([]);
  });

  describe.each(Object.entries(rows))('%s', (_field, row) => {
    it.each(WHO.map((who, i) => [who, row.expect[i]!] as const))('with the %s token → %s', async (who, expected) => {
      const res = await gql(who, row.query, await row.vars());
      expect(outcome(res), JSON.stringify(res.errors)).toBe(expected);
    });
  });

  describe.each(Object.entries(subscriptionRows))('%s', (_field, row) => {
    it.each(WHO.map((who, i) => [who, row.expect[i]!] as const))('with the %s token → %s', async (who, expected) => {
      expect(await subscribeOutcome(who, row)).toBe(expected);
    });
  });
});
