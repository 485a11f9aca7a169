// An example team member: holds one websocket for its mailbox and its team's events, takes work
// with long-poll dequeues and reports results. Survives dropped connections and server restarts
// without losing or repeating a message: it resumes the mailbox subscription from the last
// sequence it handled. Exits 0 once its team is stopped, 1 on an error retrying cannot fix (bad
// token, unknown team or member).
//
//   npx tsx examples/agent.ts --team team-… --agent agent-1 [--url http://127.0.0.1:3000] [--token $JWT_TOKEN]
import { Command } from 'commander';
import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

const opts = new Command()
  .requiredOption('--team <id>', 'team id (team-…)')
  .requiredOption('--agent <name>', 'member name, e.g. agent-1')
  .option('--url <url>', 'server base URL', 'http://127.0.0.1:3000')
  .option('--token <jwt>', 'bearer token (default: $JWT_TOKEN)', process.env.JWT_TOKEN)
  .parse()
  .opts<{ team: string; agent: string; url: string; token?: string }>();

const log = (...args: unknown[]) => console.log(new Date().toISOString(), opts.agent, ...args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Leaves with a last line: 0 when the team is over, 1 when something must be fixed first. */
function leave(code: 0 | 1, why: string): never {
  (code === 0 ? console.log : console.error)(new Date().toISOString(), opts.agent, `${why}; exiting`);
  process.exit(code);
}
if (!opts.token) leave(1, 'no token: pass --token or set JWT_TOKEN');

/** A GraphQL error answer, with its `extensions.code`. */
class GraphQLCallError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

type GraphQLErrors = readonly { message: string; extensions?: { code?: unknown } }[];
const callError = (errors: GraphQLErrors) => new GraphQLCallError(errors.map((e) => e.message).join('; '), errors[0]?.extensions?.code as string | undefined);

/**
 * Errors that retrying cannot fix end the process: the team stopped (0), or a bad token, unknown
 * team or member, or invalid request (1). Anything else (server restarting, network) is retried.
 */
function leaveIfFinal(err: unknown): void {
  if (!(err instanceof GraphQLCallError)) return;
  if (err.code === 'CONFLICT' && /is stopped/.test(err.message)) leave(0, `team ${opts.team} is stopped`);
  if (['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT'].includes(err.code ?? '')) leave(1, err.message);
}

async function gql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${opts.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json().catch(() => ({}))) as { data?: T; errors?: GraphQLErrors };
  if (body.errors?.length) throw callError(body.errors);
  if (!res.ok || !body.data) throw new Error(`HTTP ${res.status}`);
  return body.data;
}

/** A new websocket client, never retrying by itself (the loops below do, with backoff). */
function connect(): Client {
  return createClient({
    url: `${opts.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${opts.token}` },
    retryAttempts: 0,
  });
}

/** Why a subscription ended, as an error leaveIfFinal understands. */
function subscriptionError(err: unknown): unknown {
  if (Array.isArray(err)) return callError(err as GraphQLErrors); // GraphQL errors of the operation
  const close = err as { code?: number; reason?: string };
  if (close?.code === 4401) return new GraphQLCallError(close.reason || 'Unauthorized', 'UNAUTHENTICATED');
  return err;
}

/**
 * Runs `query` over a websocket, reconnecting with backoff after a drop; `variables()` is read at
 * each connect (to resume from the last cursor). `onItem` returns true when it made progress.
 */
async function subscribeForever<T>(what: string, query: string, variables: () => Record<string, unknown>, onItem: (data: T) => Promise<boolean>) {
  for (let backoff = 500; ; backoff = Math.min(backoff * 2, 10_000)) {
    const client = connect();
    try {
      const results: AsyncIterableIterator<FormattedExecutionResult<T, unknown>> = client.iterate<T>({ query, variables: variables() });
      for await (const result of results) {
        if (result.errors?.length) throw result.errors;
        if (await onItem(result.data!)) backoff = 500;
      }
      log(`${what} ended by the server — resubscribing in ${backoff} ms`);
    } catch (err) {
      const reason = subscriptionError(err);
      leaveIfFinal(reason);
      log(`${what} connection lost:`, (reason as Error)?.message ?? reason, `— reconnecting in ${backoff} ms`);
    } finally {
      await client.dispose();
    }
    await sleep(backoff);
  }
}

interface MailboxData {
  mailbox: { seq: number; from: string; to: string | null; body: string };
}

/** Mailbox: on a drop, reconnect and replay from the last handled sequence. */
async function mailboxLoop() {
  let lastSeq: number | null = null; // null: start from the read cursor kept by the server
  await subscribeForever<MailboxData>(
    'mailbox',
    `subscription($team: ID!, $agent: String!, $after: Int) { mailbox(teamId: $team, agent: $agent, after: $after) { seq from to body } }`,
    () => ({ team: opts.team, agent: opts.agent, after: lastSeq }),
    async ({ mailbox: m }) => {
      log(`message #${m.seq} from ${m.from}${m.to ? '' : ' (to all)'}: ${m.body}`);
      lastSeq = m.seq;
      await gql('mutation($t: ID!, $a: String!, $s: Int!) { markMessagesRead(teamId: $t, agent: $a, upTo: $s) }', { t: opts.team, a: opts.agent, s: m.seq });
      return true;
    },
  );
}

/** The team's events, only to leave as soon as the team is stopped (a waiting dequeue would not notice). */
async function teamLoop() {
  await subscribeForever<{ teamEvents: { type: string } }>(
    'team events',
    'subscription($team: ID!) { teamEvents(teamId: $team) { type } }',
    () => ({ team: opts.team }),
    async ({ teamEvents }) => {
      if (teamEvents.type === 'TEAM_STOPPED') leave(0, `team ${opts.team} was stopped`);
      return true;
    },
  );
}

/** Work: long-poll the team queue (answered the moment a task exists), do it, report it. */
async function workLoop() {
  let queueId: string | undefined;
  for (let backoff = 1000; ; ) {
    try {
      queueId ??= (await gql<{ team: { queue: { id: string } } }>('query($t: ID!) { team(id: $t) { queue { id } } }', { t: opts.team })).team.queue.id;
      const { dequeueTask: task } = await gql<{ dequeueTask: { id: string; name: string; leaseToken: string; payload: unknown } | null }>(
        'mutation($q: ID!, $a: String!) { dequeueTask(queueId: $q, agentId: $a, waitSeconds: 30) { id name leaseToken payload } }',
        { q: queueId, a: opts.agent },
      );
      backoff = 1000;
      if (!task) continue;
      log(`working on ${task.id}: ${task.name}`);
      await sleep(500); // the actual work goes here; call heartbeatTask for long jobs
      await gql('mutation($id: ID!, $l: String, $r: JSONObject) { completeTask(id: $id, leaseToken: $l, result: $r) { status } }', {
        id: task.id,
        l: task.leaseToken,
        r: { summary: `done by ${opts.agent}` },
      });
      log(`completed ${task.id}`);
    } catch (err) {
      leaveIfFinal(err);
      log('work loop error:', (err as Error).message, `— retrying in ${backoff} ms`);
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 10_000);
    }
  }
}

log(`joining ${opts.team} at ${opts.url}`);
await Promise.all([mailboxLoop(), teamLoop(), workLoop()]);
