import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_METHODS = 'GET, POST, DELETE, OPTIONS';
// A2A clients also send their protocol version, extensions and, resuming a stream, Last-Event-ID;
// browser MCP clients (e.g. the MCP Inspector) send mcp-protocol-version on every call after initialize.
const ALLOWED_HEADERS =
  'authorization, content-type, x-request-id, traceparent, tracestate, a2a-version, a2a-extensions, last-event-id, mcp-protocol-version';
const EXPOSED_HEADERS = 'x-request-id';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * CORS for every route (REST, GraphQL, the OpenAPI document), for the origins of CORS_ORIGINS
 * (`*`: any). Tokens travel in the Authorization header, never in cookies, so credentials are
 * not allowed. Returns true when it answered the request itself (a preflight).
 */
export function createCors(origins: readonly string[]) {
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = req.headers.origin;
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    // Answers differ by Origin: caches must keep them apart.
    if (origins.length) res.appendHeader('vary', 'Origin');
    const permitted = origin !== undefined && (anyOrigin || allowed.has(origin));
    if (permitted) {
      res.setHeader('access-control-allow-origin', anyOrigin ? '*' : origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    }
    if (!preflight) return false;
    if (permitted) {
      res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
      res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS);
    }
    // Without the allow headers the browser refuses the actual request.
    res.writeHead(204).end();
    return true;
  };
}
