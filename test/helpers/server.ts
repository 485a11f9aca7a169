import { randomBytes } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { buildApp, type App } from '../../src/app.js';
import { createTokenService, type TokenService } from '../../src/auth/tokens.js';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from './database.js';

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
  stop(): Promise<void>;
}

/**
 * A server on its own database with an HS256 secret. Operations run in-process through Yoga;
 * with `listen` it also binds a free port and runs its timers (the sweeper), as `npm start` does.
 */
export async function startTestServer(
  options: { sweepIntervalMs?: number; listen?: boolean; config?: Partial<Pick<Config, 'introspection' | 'websocket'>> } = {},
): Promise<TestServer> {
  const database = await createTestDatabase();
  const secret = randomBytes(32).toString('hex');
  const tokens = await createTokenService({ jwt: { kind: 'secret', secret }, dataDir: '.data' });
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const app = buildApp({
    config: { host: '127.0.0.1', port: 0, sweepIntervalMs: options.sweepIntervalMs ?? 3_600_000, ...options.config },
    databaseUrl: database.url,
    db: database.handle,
    tokens,
    log,
  });
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
  return {
    ...database,
    baseUrl,
    app,
    tokens,
    secret,
    gql,
    tokenFor,
    async ok(doc, variables, owner) {
      const res = await gql(doc, variables, owner);
      if (res.errors?.length || !res.data) throw new Error(`operation failed: ${JSON.stringify(res.errors)}`);
      return res.data;
    },
    async stop() {
      await app.stop();
      await database.drop();
    },
  };
}

/** The `extensions.code` of the first error. */
export const errorCode = (res: GraphQLResponse<unknown>) => res.errors?.[0]?.extensions?.code;
