import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { httpRequests, operationLabel } from '../metrics/http.js';
import { endHttpSpan, startHttpSpan, withinHttpSpan } from '../tracing/http.js';
import { startRequest, type RequestInfo } from './requestInfo.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Probes and scrapes are logged at debug level: they would drown everything else. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** A client that left before its answer was sent (nginx's convention). */
const CLIENT_CLOSED = 499;

/**
 * Wraps the server's request handler: gives each request its id (`x-request-id`), a server span
 * when tracing is on, and once it is answered (or the client left) one access-log line and one
 * observation of the HTTP metrics, both with the route and GraphQL operation the handlers
 * recorded in its RequestInfo.
 */
export function observeRequests(log: Logger, handle: Handler): Handler {
  return (req, res) => {
    const started = process.hrtime.bigint();
    const info = startRequest(req, res);
    const span = startHttpSpan(req);
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.headersSent ? res.statusCode : CLIENT_CLOSED;
      const route = info.route ?? 'unmatched';
      const method = req.method ?? 'GET';
      const requestId = String(res.getHeader('x-request-id') ?? info.id);
      httpRequests.observe({ method, route, operation: operationLabel(info.operation), status: String(status) }, seconds);
      endHttpSpan(span, { method, status, route, requestId });
      accessLog(log, info, { requestId, method, route, status, seconds, path: (req.url ?? '/').split('?')[0]! });
    });
    withinHttpSpan(span, () => handle(req, res));
  };
}

function accessLog(
  log: Logger,
  info: RequestInfo,
  line: { requestId: string; method: string; route: string; status: number; seconds: number; path: string },
) {
  // A 503 (the database down, the server draining) is expected and reported once where it starts:
  // an outage must not turn every request into an error line.
  const failed = line.status >= 500 && line.status !== 503;
  const level = failed ? 'error' : QUIET_ROUTES.has(line.route) ? 'debug' : 'info';
  if (!log.isLevelEnabled(level)) return;
  log[level](
    {
      requestId: line.requestId,
      method: line.method,
      path: line.path,
      route: line.route,
      operation: info.operation,
      operationName: info.operationName,
      status: line.status,
      durationMs: Math.round(line.seconds * 1e6) / 1e3,
      owner: info.owner,
    },
    'request',
  );
}
