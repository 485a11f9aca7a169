import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenService } from './auth/tokens.js';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import { logOutages } from './db/outageLog.js';
import { createEventBus, type EventBus } from './events/bus.js';
import { createEventTailer, type EventTailer } from './events/tailer.js';
import { attachWebSocketServer } from './graphql/websocket.js';
import { createGraphQLServer, type Yoga } from './graphql/yoga.js';
import { withRequestContext } from './http/requestContext.js';
import type { Logger } from './logger.js';
import { startSweeper } from './queues/sweeper.js';
import { createRestRouter } from './rest/router.js';

export interface App {
  yoga: Yoga;
  bus: EventBus;
  server: Server;
  /** Delivers committed events to this instance's subscribers. */
  events: EventTailer;
  /**
   * Starts listening for database events, then serves HTTP and websockets on the configured host
   * and port (0 picks a free one); resolves with the base URL.
   */
  start(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Builds the HTTP server (GraphQL, websockets, the REST shim, health checks) and background work
 * in one place, torn down in one place.
 */
export function buildApp(deps: {
  config: Pick<Config, 'host' | 'port' | 'sweepIntervalMs'> & Partial<Pick<Config, 'introspection' | 'websocket'>> & { eventPollMs?: number };
  databaseUrl: string;
  db: Db;
  tokens: TokenService;
  log: Logger;
  graphiqlToken?: string;
}): App {
  const { config, db, log } = deps;
  logOutages(db.health, log);
  const bus = createEventBus();
  const events = createEventTailer({ db, connectionString: deps.databaseUrl, bus, log, pollMs: config.eventPollMs });
  const yoga = createGraphQLServer({ ...deps, bus, events, introspection: config.introspection });
  const rest = createRestRouter(yoga, log);

  // Security headers and a request id on every answer, the id in every log line of the request.
  const server = createServer(withRequestContext((req, res) => {
    const path = req.url?.split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.method === 'GET' && path === '/readyz') {
      db.pool.query('SELECT 1').then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}'),
        (err: unknown) => {
          log.warn({ err }, 'readiness check failed');
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"database unavailable"}');
        },
      );
      return;
    }
    if (rest(req, res)) return;
    void yoga.handle(req, res);
  }));
  const websockets = attachWebSocketServer(server, yoga, deps.tokens, log, config.websocket);

  let stopSweeper: (() => Promise<void>) | undefined;
  const app: App = {
    yoga,
    bus,
    server,
    events,
    async start() {
      await events.start();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      stopSweeper = startSweeper(db, config.sweepIntervalMs, log, () => events.changed());
      const { port } = server.address() as AddressInfo;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      return `http://${host}:${port}`;
    },
    async stop() {
      bus.close();
      await websockets.close();
      await stopSweeper?.();
      await events.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return app;
}
