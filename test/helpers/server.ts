import { randomBytes } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { buildApp, type App } from '../../src/app.js';
import { createTokenService, type TokenService } from '../../src/auth/tokens.js';
import type { Config } from '../../src/config.js';
import type { EventBus, Topics } from '../../src/events/bus.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { waitFor } from './eventually.js';
import { wsClient, type WsClient } from './ws.js';

export interface GraphQLResponse<T> {
  status: number;
  data: T | null | undefined;
  errors: GraphQLFormattedError[] | undefined;
}

export interface TestServer extends TestDatabase {
  app: App;
  /** The server's base URL when started with `listen`. */
  baseUrl: string | undefined;
  tokens: TokenService;
  secret: string;
  /** Runs an operation through Yoga in-process (no port) as `owner`. */
  gql<T, V extends Record<string, unknown>>(doc: TypedDocumentNode<T, V>, variables: V, owner?: string | null): Promise<GraphQLResponse<T>>;
  /** Same, failing the test unless the operation succeeded. */
  ok<T, V extends Record<string, unknown>>(doc: TypedDocumentNode<T, V>, variables: V, owner?: string): Promise<T>;
  tokenFor(owner: string): Promise<string>;
  /**
   * A graphql-ws client on this server (started with `listen`), disposed by `stop()`. Without
   * arguments it connects as alice (`authorization: Bearer …`); `null` sends no connection params.
   */
  wsClient(connectionParams?: Record<string, unknown> | null): Promise<WsClient>;
  /** Event-bus subscriptions open now on `topic:id` (a client's subscription, a waiting long poll). */
  subscriptions(topic: keyof Topics, id: string): number;
  /**
   * Resolves once at least `count` subscriptions are open on `topic:id`: from then on the server
   * delivers every event of that topic to them (a subscription without a cursor misses nothing
   * committed afterwards; a long poll is waiting and is woken by a new task).
   */
  whenSubscribed(topic: keyof Topics, id: string, count?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Counts the open subscriptions of the app's event bus per `topic:id`: the readiness signal the
 * tests wait for instead of sleeping until a subscription has probably been registered.
 */
function countSubscriptions(bus: EventBus) {
  const open = new Map<string, number>();
  const subscribe = bus.subscribe;
  bus.subscribe = ((topic, id) => {
    const key = `${topic}:${id}`;
    const subscription = subscribe(topic, id);
    open.set(key, (open.get(key) ?? 0) + 1);
    const end = subscription.return.bind(subscription);
    let ended = false;
    subscription.return = () => {
      if (!ended) {
        ended = true;
        open.set(key, open.get(key)! - 1);
      }
      return end();
    };
    return subscription;
  }) as typeof bus.subscribe;
  return (topic: keyof Topics, id: string) => open.get(`${topic}:${id}`) ?? 0;
}

/**
 * A server on its own database with an HS256 secret. Operations run in-process through Yoga;
 * with `listen` it also binds a free port and runs its timers (the sweeper), as `npm start` does.
 */
export async function startTestServer(
  options: {
    sweepIntervalMs?: number;
    listen?: boolean;
    /** Configuration beyond the test defaults (CORS, the metrics token, introspection, websocket and rate limits). */
    config?: Partial<Pick<Config, 'metricsToken' | 'corsOrigins' | 'introspection' | 'websocket' | 'rateLimits'>>;
    /** Where the server logs (silent by default). */
    log?: Logger;
    /** How often the schedule ticker looks for schedules created elsewhere. */
    scheduleLookMs?: number;
    /** Pre-fill GraphiQL with a token of this owner. */
    graphiqlOwner?: string;
  } = {},
): Promise<TestServer> {
  const database = await createTestDatabase();
  const secret = randomBytes(32).toString('hex');
  const tokens = await createTokenService({ jwt: { kind: 'secret', secret }, dataDir: '.data' });
  const log = options.log ?? createLogger('silent');
  const app = buildApp({
    config: {
      host: '127.0.0.1',
      port: 0,
      sweepIntervalMs: options.sweepIntervalMs ?? 3_600_000,
      scheduleLookMs: options.scheduleLookMs,
      ...options.config,
    },
    databaseUrl: database.url,
    db: database.handle,
    tokens,
    log,
    // GraphiQL with this owner's token in its headers, as `npm start` does for the dev token.
    graphiqlToken: options.graphiqlOwner ? await tokens.mint(options.graphiqlOwner, '1h') : undefined,
  });
  const subscriptions = countSubscriptions(app.bus);
  const baseUrl = options.listen ? await app.start() : undefined;
  const tokenCache = new Map<string, string>();
  const tokenFor = async (owner: string) => {
    let token = tokenCache.get(owner);
    if (!token) tokenCache.set(owner, (token = await tokens.mint(owner, '1h')));
    return token;
  };
  const gql: TestServer['gql'] = async (doc, variables, owner = 'alice') => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (owner) headers.authorization = `Bearer ${await tokenFor(owner)}`;
    const res = await app.yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: print(doc), variables }),
    });
    const body = (await res.json()) as { data?: never; errors?: GraphQLFormattedError[] };
    return { status: res.status, data: body.data, errors: body.errors };
  };
  const clients: WsClient[] = [];
  return {
    ...database,
    baseUrl,
    app,
    tokens,
    secret,
    gql,
    tokenFor,
    async wsClient(connectionParams) {
      if (!baseUrl) throw new Error('wsClient needs a server started with listen: true');
      const params = connectionParams === undefined ? { authorization: `Bearer ${await tokenFor('alice')}` } : (connectionParams ?? undefined);
      const client = wsClient(baseUrl, params);
      clients.push(client);
      return client;
    },
    subscriptions,
    async whenSubscribed(topic, id, count = 1) {
      await waitFor(() => subscriptions(topic, id) >= count, {
        what: () => `${count} subscription(s) on ${topic}:${id} (open: ${subscriptions(topic, id)})`,
      });
      // A stream starts where the tailer stands after reading what committed before it: once a
      // read that began after this point is done, the stream has taken its start.
      if (baseUrl) await app.events.caughtUp();
    },
    async ok(doc, variables, owner) {
      const res = await gql(doc, variables, owner);
      if (res.errors?.length || !res.data) throw new Error(`operation failed: ${JSON.stringify(res.errors)}`);
      return res.data;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.client.dispose()));
      await app.stop();
      await database.drop();
    },
  };
}

/** The `extensions.code` of the first error. */
export const errorCode = (res: GraphQLResponse<unknown>) => res.errors?.[0]?.extensions?.code;
