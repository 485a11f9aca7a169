import type { Server } from 'node:http';
import { getOperationAST, type GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { AuthError, bearerToken, type Identity, type TokenService } from '../auth/tokens.js';
import { MAX_BODY_BYTES } from '../http/body.js';
import type { Logger } from '../logger.js';
import { timerAt } from '../timers.js';
import { codedError } from './errors.js';
import type { Yoga } from './yoga.js';

const UNAUTHORIZED = 4401;
// graphql-ws clients do not reconnect after 4429, so an owner over the limit does not hammer.
const TOO_MANY = 4429;

export interface WebSocketLimits {
  /** Open sockets per owner; one more is closed with 4429. */
  maxSocketsPerOwner: number;
  /** Subscriptions running at once on one socket; one more is answered TOO_MANY_REQUESTS. */
  maxSubscriptionsPerSocket: number;
}

export const DEFAULT_WEBSOCKET_LIMITS: WebSocketLimits = { maxSocketsPerOwner: 100, maxSubscriptionsPerSocket: 100 };

/** The token from graphql-ws `connectionParams`: `authorization: "Bearer …"` or `token: "…"`. */
function tokenFrom(params: Readonly<Record<string, unknown>> | undefined): string | null {
  if (!params) return null;
  if (typeof params.authorization === 'string') return bearerToken(params.authorization);
  if (typeof params.Authorization === 'string') return bearerToken(params.Authorization);
  if (typeof params.token === 'string' && params.token) return params.token;
  return null;
}

/**
 * graphql-ws on `/graphql` of the HTTP server, through Yoga's envelop pipeline (same schema,
 * validation, limits and context as HTTP). The token is checked once at connection; a missing or
 * bad one closes the socket with 4401, and the socket is closed when the token expires.
 */
export function attachWebSocketServer(server: Server, yoga: Yoga, tokens: TokenService, log: Logger, limits = DEFAULT_WEBSOCKET_LIMITS) {
  // A message is at most what an HTTP request body may be.
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: MAX_BODY_BYTES });
  const expiryTimers = new Map<object, { clear(): void }>();
  const socketsOf = new Map<string, number>();
  /** Ids of each socket's subscriptions, pruned of those graphql-ws has since ended. */
  const subscriptionsOf = new WeakMap<object, Set<string>>();
  const identities = new WeakMap<object, Identity>();
  const closedSignals = new WeakMap<object, AbortSignal>();
  /** One signal per socket, aborted when it closes (a long poll over it stops waiting). */
  const socketClosed = (socket: import('ws').WebSocket) => {
    let signal = closedSignals.get(socket);
    if (!signal) {
      const controller = new AbortController();
      socket.once('close', () => controller.abort());
      closedSignals.set(socket, (signal = controller.signal));
    }
    return signal;
  };

  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as { execute: typeof import('graphql').execute }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: typeof import('graphql').subscribe }).subscribe(args),
      onConnect: async (ctx) => {
        const token = tokenFrom(ctx.connectionParams);
        const socket = ctx.extra.socket;
        if (!token) {
          socket.close(UNAUTHORIZED, 'Unauthorized: pass connectionParams.authorization or token');
          return false;
        }
        try {
          const identity = await tokens.verify(token);
          const open = socketsOf.get(identity.ownerId) ?? 0;
          if (open >= limits.maxSocketsPerOwner) {
            socket.close(TOO_MANY, `Too many websockets: at most ${limits.maxSocketsPerOwner} per owner`);
            return false;
          }
          socketsOf.set(identity.ownerId, open + 1);
          socket.once('close', () => {
            const left = (socketsOf.get(identity.ownerId) ?? 1) - 1;
            if (left > 0) socketsOf.set(identity.ownerId, left);
            else socketsOf.delete(identity.ownerId);
          });
          identities.set(socket, identity);
          expiryTimers.set(
            socket,
            timerAt(identity.expiresAt, () => socket.close(UNAUTHORIZED, 'Unauthorized: token expired')),
          );
          return true;
        } catch (err) {
          if (!(err instanceof AuthError)) throw err;
          socket.close(UNAUTHORIZED, `Unauthorized: ${err.message}`);
          return false;
        }
      },
      onClose: (ctx) => {
        expiryTimers.get(ctx.extra.socket)?.clear();
        expiryTimers.delete(ctx.extra.socket);
      },
      onSubscribe: async (ctx, id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          identity: identities.get(ctx.extra.socket),
          socketSignal: socketClosed(ctx.extra.socket),
        });
        let document;
        try {
          document = parse(params.query);
        } catch (err) {
          // A syntax error ends this operation, not the agent's whole connection.
          return [err as GraphQLError];
        }
        const args = {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        if (getOperationAST(document, params.operationName)?.operation === 'subscription') {
          let running = subscriptionsOf.get(ctx.extra.socket);
          if (!running) subscriptionsOf.set(ctx.extra.socket, (running = new Set()));
          for (const id of running) if (!(id in ctx.subscriptions)) running.delete(id);
          if (running.size >= limits.maxSubscriptionsPerSocket) {
            return [codedError('TOO_MANY_REQUESTS', `Too many subscriptions: at most ${limits.maxSubscriptionsPerSocket} at once on one websocket`)];
          }
          running.add(id);
        }
        return args;
      },
    },
    wss,
  );
  // The HTTP server's own errors (e.g. EADDRINUSE) are re-emitted here; they are reported at startup.
  wss.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') log.error({ err }, 'websocket server error');
  });

  return {
    async close() {
      for (const timer of expiryTimers.values()) timer.clear();
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
