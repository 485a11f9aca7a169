import type { DefinitionNode } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { bearerToken, AuthError, type Identity, type TokenService } from '../auth/tokens.js';
import type { EventBus } from '../events/bus.js';
import type { HandOff } from '../queues/handOff.js';
import type { EventTailer } from '../events/tailer.js';
import type { Db } from '../db/client.js';
import { principalOf } from '../limits/principal.js';
import type { RateLimiter } from '../limits/rateLimits.js';
import type { Logger } from '../logger.js';
import type { Context } from './context.js';
import { codedError, useExpectedErrors } from './errors.js';
import { bundledGraphiQL } from './graphiql.js';
import { useJsonBody } from './jsonBody.js';
import { useOperationLimits } from './limits.js';
import { admitRequest, useSubscriptionLimits } from './rateLimits.js';
import { createLoaders } from './loaders.js';
import { useRequestInfo } from './requestInfo.js';
import { useTokenExpiry } from './tokenExpiry.js';
import { useTokenRevocation } from './tokenRevocation.js';
import type { AgentTokenGuard } from './agentTokenGuard.js';
import { schema } from './schema/index.js';
import { useTracing } from './tracing.js';

export const AUTH_REQUIRED = 'Authentication required: send Authorization: Bearer <token>';
const unauthenticated = (message: string) => codedError('UNAUTHENTICATED', message);

/**
 * Resolves the request's identity from `Authorization: Bearer <JWT>`: a valid token and, for an
 * agent token, one not revoked since it was minted; 401 UNAUTHENTICATED otherwise.
 */
export async function authenticate(tokens: TokenService, guard: AgentTokenGuard, header: string | null | undefined) {
  const token = bearerToken(header);
  if (!token) throw unauthenticated(AUTH_REQUIRED);
  return admitted(guard, () => tokens.verify(token));
}

/** The identity, once the guard let it through (an agent token still current). */
async function admitted(guard: AgentTokenGuard, identity: () => Promise<Identity>): Promise<Identity> {
  try {
    const verified = await identity();
    await guard.check(verified);
    return verified;
  } catch (err) {
    if (err instanceof AuthError) throw unauthenticated(`Authentication failed: ${err.message}`);
    throw err;
  }
}

/** Set by the websocket server, which authenticates once per connection. */
export interface ServerContext {
  identity?: Identity;
  /** Websocket operations: aborts when the socket closes. */
  socketSignal?: AbortSignal;
  [key: string]: unknown;
}

export type Yoga = YogaServerInstance<ServerContext, Context>;

/**
 * After a mutation (which committed its change before answering), this instance's tailer reads
 * the new events at once and rings the other instances: events reach subscribers right after
 * commit without any NOTIFY inside the changing transaction.
 */
const useDeliverAfterCommit = (changed: () => void): Plugin => ({
  onExecute: ({ args }) => {
    const operation = args.document.definitions.find((d: DefinitionNode) => d.kind === 'OperationDefinition' && (!args.operationName || d.name?.value === args.operationName));
    if (operation?.kind !== 'OperationDefinition' || operation.operation !== 'mutation') return;
    return { onExecuteDone: () => changed() };
  },
});

export function createGraphQLServer(deps: {
  db: Db;
  bus: EventBus;
  /** Long polls waiting here, offered to this instance's enqueues. */
  handOff: HandOff;
  /** The event tailer: where it stands, and what to tell it after a commit. */
  events: Pick<EventTailer, 'caughtUp' | 'changed'>;
  tokens: TokenService;
  /** Refuses revoked agent tokens and ends their subscriptions. */
  agentTokens: AgentTokenGuard;
  /** Per owner and agent token: requests per second, long polls, subscriptions. */
  rateLimits: RateLimiter;
  log: Logger;
  graphiqlToken?: string;
  /** Tells this instance's schedule ticker that a schedule was created. */
  schedulesChanged?: () => void;
  /** Introspection, GraphiQL and field suggestions (off in production unless GRAPHQL_INTROSPECTION=true). */
  introspection?: boolean;
}): Yoga {
  const { db, bus, handOff, tokens, log, events, schedulesChanged, agentTokens, rateLimits } = deps;
  // Subscriptions start where the tailer stands once it has read what committed before them.
  const positions = events.caughtUp;
  const introspection = deps.introspection ?? true;
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    // The dev token is pre-filled in GraphiQL so a newcomer can query at once. Subscriptions go
    // over SSE: each one is an HTTP request carrying the headers editor's Authorization. GraphiQL
    // needs introspection, so it is served only with it.
    graphiql: introspection && {
      subscriptionsProtocol: 'SSE',
      ...(deps.graphiqlToken ? { headers: JSON.stringify({ Authorization: `Bearer ${deps.graphiqlToken}` }, null, 2) } : {}),
    },
    renderGraphiQL: bundledGraphiQL(),
    landingPage: false,
    // useJsonBody reads POST bodies with the shared limit (MAX_BODY_BYTES) and answers 400 past it.
    maxRequestBodySize: false,
    // CORS is the HTTP server's, the same for REST and GraphQL (CORS_ORIGINS); Yoga's own would allow any origin.
    cors: false,
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      error: (...args) => log.error(args.map(String).join(' ')),
    },
    plugins: [
      ...useOperationLimits({ introspection }),
      useJsonBody,
      useExpectedErrors(db.health),
      useSubscriptionLimits,
      useTokenExpiry,
      useTokenRevocation(agentTokens),
      useDeliverAfterCommit(() => events.changed()),
      useRequestInfo,
      // After useExpectedErrors: the span records the error codes clients get.
      useTracing,
    ],
    context: async ({ request, identity, socketSignal }): Promise<Context> => {
      // Websocket: the token was verified at connection (and the socket closes when it expires);
      // an agent token's revocation is checked on each operation, as on HTTP.
      const verified = identity
        ? await admitted(agentTokens, async () => identity)
        : await authenticate(tokens, agentTokens, request.headers.get('authorization'));
      // Counted once authenticated, before anything runs.
      await admitRequest(rateLimits, principalOf(verified));
      const shared = { db, bus, handOff, positions, schedulesChanged, tokens, agentTokens, rateLimits, loaders: createLoaders(db), ownerId: verified.ownerId, identity: verified };
      if (identity) return { ...shared, signal: socketSignal };
      return { ...shared, signal: request.signal, tokenExpiresAt: verified.expiresAt };
    },
  });
}
