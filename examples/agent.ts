// An example team member: holds one websocket for its mailbox, takes work with long-poll dequeues
// and reports results. Survives dropped connections without losing or repeating a message: it
// resumes the mailbox subscription from the last sequence it handled.
//
//   npx tsx examples/agent.ts --team team-… --agent agent-1 [--url http://127.0.0.1:3000] [--token $JWT_TOKEN]
import { Command } from 'commander';
import type { FormattedExecutionResult } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const opts = new Command()
  .requiredOption('--team <id>', 'team id (team-…)')
  .requiredOption('--agent <name>', 'member name, e.g. agent-1')
  .option('--url <url>', 'server base URL', 'http://127.0.0.1:3000')
  .option('--token <jwt>', 'bearer token (default: $JWT_TOKEN)', process.env.JWT_TOKEN)
  .parse()
  .opts<{ team: string; agent: string; url: string; token?: string }>();
if (!opts.token) throw new Error('pass --token or set JWT_TOKEN');

async function gql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${opts.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

const log = (...args: unknown[]) => console.log(new Date().toISOString(), opts.agent, ...args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface MailboxData {
  mailbox: { seq: number; from: string; to: string | null; body: string };
}

/** Mailbox: one websocket; on a drop, reconnect and replay from the last handled sequence. */
async function mailboxLoop() {
  let lastSeq: number | null = null; // null: start from the read cursor kept by the server
  for (let backoff = 500; ; backoff = Math.min(backoff * 2, 10_000)) {
    const client = createClient({
      url: `${opts.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${opts.token}` },
      retryAttempts: 0,
    });
    try {
      const messages: AsyncIterableIterator<FormattedExecutionResult<MailboxData, unknown>> = client.iterate<MailboxData>({
        query: `subscription($team: ID!, $agent: String!, $after: Int) {
          mailbox(teamId: $team, agent: $agent, after: $after) { seq from to body } }`,
        variables: { team: opts.team, agent: opts.agent, after: lastSeq },
      });
      for await (const result of messages) {
        const m: MailboxData['mailbox'] = result.data!.mailbox;
        log(`message #${m.seq} from ${m.from}${m.to ? '' : ' (to all)'}: ${m.body}`);
        lastSeq = m.seq;
        await gql('mutation($t: ID!, $a: String!, $s: Int!) { markMessagesRead(teamId: $t, agent: $a, upTo: $s) }', {
          t: opts.team,
          a: opts.agent,
          s: m.seq,
        });
        backoff = 500;
      }
    } catch (err) {
      log('mailbox connection lost:', (err as Error).message ?? err, `— reconnecting in ${backoff} ms`);
    } finally {
      await client.dispose();
    }
    await sleep(backoff);
  }
}

/** Work: long-poll the team queue (answered the moment a task exists), do it, report it. */
async function workLoop() {
  const { team } = await gql<{ team: { queue: { id: string } } }>('query($t: ID!) { team(id: $t) { queue { id } } }', { t: opts.team });
  for (;;) {
    try {
      const { dequeueTask: task } = await gql<{ dequeueTask: { id: string; name: string; leaseToken: string; payload: unknown } | null }>(
        'mutation($q: ID!, $a: String!) { dequeueTask(queueId: $q, agentId: $a, waitSeconds: 30) { id name leaseToken payload } }',
        { q: team.queue.id, a: opts.agent },
      );
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
      log('work loop error:', (err as Error).message);
      await sleep(1000);
    }
  }
}

log(`joining ${opts.team} at ${opts.url}`);
await Promise.all([mailboxLoop(), workLoop()]);
