import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createA2ARouter } from './a2a/router.js';
import type { TokenService } from './auth/tokens.js';
import { DEFAULT_RATE_LIMITS, type Config } from './config.js';
import { createDashboardHandler } from './dashboard/serve.js';
import type { Db } from './db/client.js';
import { logOutages } from './db/outageLog.js';
import { createEventBus, type EventBus } from './events/bus.js';
import { createEventTailer, type EventTailer } from './events/tailer.js';
import { createAgentTokenGuard } from './graphql/agentTokenGuard.js';
import { attachWebSocketServer } from './graphql/websocket.js';
import { createGraphQLServer, type Yoga } from './graphql/yoga.js';
import { createHandOff, type HandOff } from './queues/handOff.js';
import { createCors } from './http/cors.js';
import { createMetricsEndpoint } from './http/metricsEndpoint.js';
import { observeRequests } from './http/observe.js';
import { requestInfo } from './http/requestInfo.js';
import { createRateLimiter, type RateLimiter } from './limits/rateLimits.js';
import { withSecurityHeaders } from './http/securityHeaders.js';
import type { Logger } from './logger.js';
import { createMcpHandler } from './mcp/http.js';
import { watchPool } from './metrics/database.js';
import { watchQueueCounts } from './metrics/tasks.js';
import { startScheduleTicker } from './queues/scheduleTicker.js';
import { countLiveTasks } from './queues/sql/countLiveTasks.js';
import { startSweeper } from './queues/sweeper.js';
import { createRestRouter } from './rest/router.js';
import { within } from './timers.js';

export interface App {
  yoga: Yoga;
  bus: EventBus;
  /** Long polls waiting on this instance, offered to its enqueues. */
  handOff: HandOff;
  /** This instance's rate limits (what they hold now, for tests). */
  rateLimits: RateLimiter;
  server: Server;
  /** Delivers committed events to this instance's subscribers. */
  events: EventTailer;
  /**
   * Starts listening for database events, then serves HTTP and websockets on the configured host
   * and port (0 picks a free one); resolves with the base URL.
   */
  start(): Promise<string>;
  /**
   * Graceful stop: refuses new requests (503), ends every subscription and long poll (a long
   * poll answers its empty result, an MCP claim_task its "nothing arrived"), waits up to
   * DRAIN_MS for in-flight requests, closes websockets with 1001 (going away), then stops the
   * background work.
   */
  stop(): Promise<void>;
}

/** How long stop() waits for in-flight HTTP requests before cutting them. */
const DRAIN_MS = 10_000;

const json = (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

/**
 * Builds the HTTP server (GraphQL, websockets, the REST shim, the A2A front end, the MCP endpoint,
 * health checks) and background work in one place, torn down in one place.
 */
export function buildApp(deps: {
  config: Pick<Config, 'host' | 'port' | 'sweepIntervalMs'> &
    Partial<Pick<Config, 'metricsToken' | 'corsOrigins' | 'introspection' | 'websocket' | 'rateLimits'>> & { eventPollMs?: number; scheduleLookMs?: number };
  databaseUrl: string;
  db: Db;
  tokens: TokenService;
  log: Logger;
  graphiqlToken?: string;
  /** Liveness beyond "the process answers": a reason when the server cannot serve (e.g. its embedded PostgreSQL died). */
  health?: () => string | undefined;
}): App {
  const { config, db, log } = deps;
  logOutages(db.health, log);
  const bus = createEventBus();
  const handOff = createHandOff();
  const events = createEventTailer({ db, connectionString: deps.databaseUrl, bus, log, pollMs: config.eventPollMs });
  let ticker: ReturnType<typeof startScheduleTicker> | undefined;
  const agentTokens = createAgentTokenGuard(db, bus);
  const rateLimits = createRateLimiter(config.rateLimits ?? DEFAULT_RATE_LIMITS);
  const yoga = createGraphQLServer({ ...deps, bus, handOff, events, agentTokens, rateLimits, introspection: config.introspection, schedulesChanged: () => ticker?.poke() });
  const rest = createRestRouter(yoga, log);
  const a2a = createA2ARouter(yoga, log);
  const mcp = createMcpHandler({ yoga, tokens: deps.tokens, agentTokens, log });
  const cors = createCors(config.corsOrigins ?? []);
  const metrics = createMetricsEndpoint(config.metricsToken, log);
  /** Names the route that answers, for the access log and the metrics. */
  const answeredBy = (req: IncomingMessage, route: string) => void (requestInfo(req)!.route = route);
  // Scrapes read this app's pool and the task counts of its database.
  const unwatch = [watchPool(db.pool), watchQueueCounts(() => countLiveTasks.rows(db.pool, {}))];
  const dashboard = createDashboardHandler();

  // Requests being answered, so stop() can let them finish.
  const inFlight = new Set<ServerResponse>();
  let allAnswered: (() => void) | undefined;
  let draining = false;

  // Every answer gets its request id (observeRequests) and the security headers.
  const server = createServer(observeRequests(log, withSecurityHeaders((req, res) => {
    if (draining) {
      answeredBy(req, 'draining');
      json(res, 503, { status: 'shutting down' }, { connection: 'close', 'retry-after': '1' });
      return;
    }
    log.trace({ method: req.method, url: req.url }, 'request received');
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (inFlight.size === 0) allAnswered?.();
    });
    const path = req.url?.split('?')[0];
    if (cors(req, res)) return answeredBy(req, 'preflight');
    if (req.method === 'GET' && path === '/metrics') {
      answeredBy(req, '/metrics');
      return metrics(req, res);
    }
    if (req.method === 'GET' && path === '/healthz') {
      answeredBy(req, '/healthz');
      const problem = deps.health?.();
      if (problem) json(res, 503, { status: 'unavailable', reason: problem });
      else json(res, 200, { status: 'ok' });
      return;
    }
    if (req.method === 'GET' && path === '/readyz') {
      answeredBy(req, '/readyz');
      db.pool.query('SELECT 1').then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}'),
        (err: unknown) => {
          log.warn({ err }, 'readiness check failed');
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"database unavailable"}');
        },
      );
      return;
    }
    if (dashboard(req, res)) return answeredBy(req, 'dashboard');
    if (rest(req, res)) return;
    if (a2a(req, res)) return;
    if (mcp(req, res)) return;
    if (path === yoga.graphqlEndpoint) answeredBy(req, yoga.graphqlEndpoint);
    void yoga.handle(req, res);
  })));
  const websockets = attachWebSocketServer(server, yoga, deps.tokens, agentTokens, log, config.websocket);

  let stopSweeper: (() => Promise<void>) | undefined;
  let stopped: Promise<void> | undefined;
  const app: App = {
    yoga,
    bus,
    handOff,
    rateLimits,
    server,
    events,
    async start() {
      await events.start();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      stopSweeper = startSweeper(db, config.sweepIntervalMs, log, () => events.changed());
      ticker = startScheduleTicker(db, log, () => events.changed(), config.scheduleLookMs);
      const { port } = server.address() as AddressInfo;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      return `http://${host}:${port}`;
    },
    stop() {
      return (stopped ??= (async () => {
        draining = true;
        // No new connections; resolves once every connection has ended.
        const closed = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
        // Each connection closes after its answer (no keep-alive request slips in).
        for (const res of inFlight) res.shouldKeepAlive = false;
        bus.close();
        if (inFlight.size > 0) await within(new Promise<void>((resolve) => (allAnswered = resolve)), DRAIN_MS);
        // Operations over websockets (a long poll that bus.close() woke, maybe still claiming) answer before the 1001.
        await websockets.close(DRAIN_MS);
        await stopSweeper?.();
        await ticker?.stop();
        await events.stop();
        server.closeAllConnections();
        await within(closed, 5_000);
        for (const stopWatching of unwatch) stopWatching();
      })());
    },
  };
  return app;
}
