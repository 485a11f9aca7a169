import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { CreateTeamDocument, CreateWorkQueueDocument } from './generated/graphql.js';
import { createTestDatabase } from './helpers/database.js';
import { isAlive, postmasterPid, startServerProcess, until } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// SIGTERM (a supervisor) and SIGINT (Ctrl-C) drain the server: what is in flight is answered,
// subscribers are told the server is going away, the database is stopped, and the exit code is 0.

const secret = randomBytes(32).toString('hex');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// The embedded cases share a data directory: the second start skips creating and migrating it.
let embeddedDir: string | undefined;
afterAll(() => embeddedDir && rm(embeddedDir, { recursive: true, force: true }));

describe.each([
  ['SIGTERM', 'embedded'],
  ['SIGINT', 'embedded'],
  ['SIGTERM', 'DATABASE_URL'],
  ['SIGINT', 'DATABASE_URL'],
] as const)('%s with the %s PostgreSQL', (signal, database) => {
  it('answers the long polls in flight with their empty result, closes websockets with 1001 and exits 0', async () => {
    let env: Record<string, string>;
    let pgData: string | undefined;
    if (database === 'embedded') {
      if (!embeddedDir) {
        embeddedDir = await mkdtemp(path.join(tmpdir(), 'agent-teams-signals-'));
        await chmod(embeddedDir, 0o755);
      }
      env = { DATA_DIR: embeddedDir };
      pgData = path.join(embeddedDir, 'postgres');
    } else {
      const db = await createTestDatabase();
      cleanups.push(() => db.drop());
      env = { DATABASE_URL: db.url };
    }
    // Trace level logs each request as it arrives: the test knows when the long polls are in flight.
    const main = startServerProcess({ ...env, PORT: '0', JWT_SECRET: secret, LOG_LEVEL: 'trace' });
    cleanups.push(() => main.stop());
    const url = await main.url();
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime('1h').sign(new TextEncoder().encode(secret));
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const queue = (await (await fetch(`${url}/work-queues`, { method: 'POST', headers, body: JSON.stringify({ name: 'drain' }) })).json()) as { id: string };

    let connected = false;
    let closed: { code: number } | undefined;
    const ws = createClient({
      url: `${url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      on: { connected: () => (connected = true), closed: (event) => (closed = event as { code: number }) },
      onNonLazyError: () => {},
    });
    ws.subscribe({ query: 'subscription($q: ID!) { taskEvents(queueId: $q) { type } }', variables: { q: queue.id } }, { next() {}, error() {}, complete() {} });
    await until('the websocket to connect', () => connected);
    // A long poll over the websocket too: answered before the socket closes.
    let wsAnswer: unknown;
    ws.subscribe(
      { query: 'mutation($q: ID!) { dequeueTask(queueId: $q, agentId: "agent-ws", waitSeconds: 30) { id } }', variables: { q: queue.id } },
      { next: (result) => (wsAnswer = result), error: (err) => (wsAnswer = err), complete() {} },
    );

    const restPoll = fetch(`${url}/work-queues/${queue.id}/dequeue?wait=30`, { method: 'POST', headers, body: JSON.stringify({ agentId: 'agent-rest' }) });
    const graphqlPoll = fetch(`${url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: 'mutation($q: ID!) { dequeueTask(queueId: $q, agentId: "agent-gql", waitSeconds: 30) { id } }', variables: { q: queue.id } }),
    });
    for (const poll of [restPoll, graphqlPoll]) poll.catch(() => {}); // awaited below; a failure must not surface twice
    await main.waitFor(/"url":"\/work-queues\/[^"]+\/dequeue\?wait=30","msg":"request received"/);
    await main.waitFor(/"method":"POST","url":"\/graphql","msg":"request received"/);
    const postmaster = pgData ? postmasterPid(pgData) : undefined;

    main.child.kill(signal);
    // Drained, not cut: if the polls were left waiting, the bounded drain (10 s, less than their
    // 30 s) would close their connections and these fetches would fail.
    expect((await restPoll).status).toBe(204);
    expect(await (await graphqlPoll).json()).toEqual({ data: { dequeueTask: null } });
    expect(await main.exitCode()).toBe(0);
    await until('the websocket to close', () => closed !== undefined);
    expect(closed!.code).toBe(1001);
    expect(wsAnswer).toEqual({ data: { dequeueTask: null } });
    if (postmaster) {
      expect(isAlive(postmaster)).toBe(false);
      expect(postmasterPid(pgData!)).toBeUndefined(); // a clean shutdown removes its pid file
    }
    await ws.dispose();
  });
});

describe('app.stop()', () => {
  /** A long poll for a task of `queueId` over a websocket of its own: its answer and the socket's close. */
  async function websocketLongPoll(s: TestServer, queueId: string, agentId: string) {
    const token = await s.tokenFor('alice');
    const seen: { connected: boolean; closed?: { code: number }; answer?: unknown } = { connected: false };
    const ws = createClient({
      url: `${s.baseUrl!.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      on: { connected: () => (seen.connected = true), closed: (event) => (seen.closed = event as { code: number }) },
      onNonLazyError: () => {},
    });
    cleanups.push(async () => ws.dispose());
    await until('the websocket to connect', () => seen.connected);
    ws.subscribe(
      { query: 'mutation($q: ID!, $a: String!) { dequeueTask(queueId: $q, agentId: $a, waitSeconds: 30) { id } }', variables: { q: queueId, a: agentId } },
      { next: (result) => (seen.answer = result), error: (err) => (seen.answer = err), complete() {} },
    );
    return seen;
  }

  it('answers a long poll waiting over a websocket before closing the socket with 1001', async () => {
    const s = await startTestServer({ listen: true });
    cleanups.push(() => s.stop()); // app.stop() is idempotent
    const { createWorkQueue: queue } = await s.ok(CreateWorkQueueDocument, { input: { name: 'ws-drain' } });
    const poll = await websocketLongPoll(s, queue.id, 'agent-ws');
    await until('the long poll to wait for work', () => s.app.bus.hasListeners('work', queue.id));

    await s.app.stop();
    await until('the websocket to close', () => poll.closed !== undefined);
    expect(poll.answer).toEqual({ data: { dequeueTask: null } });
    expect(poll.closed!.code).toBe(1001);
  });

  it('lets a long poll over a websocket finish a claim still running in the database before closing the socket', async () => {
    const s = await startTestServer({ listen: true });
    cleanups.push(() => s.stop());
    const { createTeam: team } = await s.ok(CreateTeamDocument, { input: { name: 'ws-drain-claiming', size: 1 } });
    // The claim share-locks the team row (a paused team hands out nothing): holding it, the poll's
    // first claim waits in the database.
    const holder = new pg.Client({ connectionString: s.url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM teams WHERE id = $1 FOR UPDATE', [team.id]);
    const poll = await websocketLongPoll(s, team.queue.id, 'outsider');
    // Asked outside the holder's transaction: a transaction sees one snapshot of pg_stat_activity.
    await until(
      'the claim to wait for the team row',
      async () => (await s.db.$queryRaw<unknown[]>`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'WITH queue AS%'`).length > 0,
    );

    const stopping = s.app.stop();
    await holder.query('COMMIT');
    await stopping;
    await until('the websocket to close', () => poll.closed !== undefined);
    expect(poll.answer).toEqual({ data: { dequeueTask: null } });
    expect(poll.closed!.code).toBe(1001);
  });
});
