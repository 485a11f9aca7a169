import type { IncomingMessage, Server } from 'node:http';
import { getOperationAST, type GraphQLError } from 'graphql';
import type { Context as SocketContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { AuthError, bearerToken, type Identity, type TokenService } from '../auth/tokens.js';
import { MAX_BODY_BYTES } from '../http/body.js';
import { requestIdOf } from '../http/requestInfo.js';
import type { Logger } from '../logger.js';
import { watchWebSockets } from '../metrics/realtime.js';
import { timerAt, within } from '../timers.js';
import type { AgentTokenGuard } from './agentTokenGuard.js';
import { isGraphQLError } from './errors.js';
import { DEFAULT_WEBSOCKET_LIMITS, websocketLimiter } from './websocketLimits.js';
import type { Yoga } from './yoga.js';

const UNAUTHORIZED = 4401;


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
export function attachWebSocketServer(server: Server, yoga: Yoga, tokens: TokenService, agentTokens: AgentTokenGuard, log: Logger, limits = DEFAULT_WEBSOCKET_LIMITS) {
  // A message is at most what an HTTP request body may be.
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: MAX_BODY_BYTES });
  const expiryTimers = new Map<object, { clear(): void }>();
  const limiter = websocketLimiter(limits);
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

  const accepted = new Set<SocketContext>();
  const unwatch = watchWebSockets(() => ({
    connections: wss.clients.size,
    // graphql-ws keeps an operation's iterator there while it streams (null while a query runs).
    subscriptions: [...accepted].reduce((n, ctx) => n + Object.values(ctx.subscriptions).filter((s) => s !== null).length, 0),
  }));
  logConnections(wss, log, (socket) => identities.get(socket)?.ownerId);

  // Queries and mutations running over a socket (a long poll among them), so close() lets them answer.
  const executing = new Set<Promise<unknown>>();
  const disposable = useServer(
    {
      execute: (args) => {
        const running = Promise.resolve((args.rootValue as { execute: typeof import('graphql').execute }).execute(args));
        executing.add(running);
        void running.then(
          () => executing.delete(running),
          () => executing.delete(running),
        );
        return running;
      },
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
          await agentTokens.check(identity);
          if (!limiter.admitSocket(socket, identity.ownerId)) return false;
          identities.set(socket, identity);
          accepted.add(ctx as SocketContext);
          const expiry = timerAt(identity.expiresAt, () => socket.close(UNAUTHORIZED, 'Unauthorized: token expired'));
          // An agent token's socket closes as soon as the token is revoked (from any instance).
          const unwatch = agentTokens.watch(identity, () => socket.close(UNAUTHORIZED, 'Unauthorized: agent token revoked'));
          expiryTimers.set(socket, { clear: () => (expiry.clear(), unwatch()) });
          return true;
        } catch (err) {
          if (!(err instanceof AuthError)) throw err;
          socket.close(UNAUTHORIZED, `Unauthorized: ${err.message}`);
          return false;
        }
      },
      onClose: (ctx) => {
        accepted.delete(ctx as SocketContext);
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
        let contextValue;
        try {
          contextValue = await contextFactory();
        } catch (err) {
          if (!isGraphQLError(err)) throw err;
          // A revoked agent token: the socket is done, not just this operation. Over a rate
          // limit (RATE_LIMITED): this operation fails, the socket stays open.
          if (err.extensions?.code === 'UNAUTHENTICATED') ctx.extra.socket.close(UNAUTHORIZED, `Unauthorized: ${err.message}`);
          return [err];
        }
        const args = {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        if (getOperationAST(document, params.operationName)?.operation === 'subscription') {
          const refused = limiter.admitSubscription(ctx.extra.socket, id, ctx.subscriptions);
          if (refused) return [refused];
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
    /**
     * Lets the queries and mutations under way answer (up to `drainMs`: a long poll the bus woke
     * may still be claiming), then closes every socket with 1001.
     */
    async close(drainMs: number) {
      unwatch();
      if (executing.size > 0) await within(Promise.allSettled([...executing]), drainMs);
      // The answer of an operation that just ended is sent on the next turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      for (const timer of expiryTimers.values()) timer.clear();
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * A websocket is one long HTTP request: its upgrade answer carries an `x-request-id`, and when it
 * closes it gets one access-log line (owner, duration, close code), like any other request.
 */
function logConnections(wss: WebSocketServer, log: Logger, ownerOf: (socket: WebSocket) => string | undefined) {
  const ids = new WeakMap<IncomingMessage, string>();
  wss.on('headers', (headers, req) => {
    const id = requestIdOf(req);
    ids.set(req, id);
    headers.push(`x-request-id: ${id}`);
  });
  wss.on('connection', (socket, req) => {
    const started = process.hrtime.bigint();
    socket.once('close', (code) => {
      log.info(
        {
          requestId: ids.get(req),
          method: req.method,
          path: (req.url ?? '/').split('?')[0],
          route: 'websocket',
          status: 101,
          closeCode: code,
          durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e3) / 1e3,
          owner: ownerOf(socket),
        },
        'request',
      );
    });
  });
}
