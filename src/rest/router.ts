import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay, { type HTTPVersion } from 'find-my-way';
import { bearerToken } from '../auth/tokens.js';
import { RETRY_AFTER_SECONDS } from '../db/health.js';
import { DomainError, HTTP_STATUS } from '../errors.js';
import { currentRequestId } from '../http/requestContext.js';
import { AUTH_REQUIRED, type Yoga } from '../graphql/yoga.js';
import type { Logger } from '../logger.js';
import { restError, type RestError } from './errors.js';
import { runOperation } from './execute.js';
import { readJsonBody, restShape } from './http.js';
import type { Route } from './route.js';
import { teamRoutes } from './routes/teams.js';
import { workQueueRoutes } from './routes/workQueues.js';

const isEnvelope = (path: string) => path.startsWith('/api/v1/');
const REST_PREFIXES = ['/work-queues', '/work-queue-tasks'];

/** Whether every %-escape of the path decodes to valid UTF-8 (ids come from it). */
function decodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** Errors in each surface's shape: `{ok:false, error}` under /api/v1, `{error}` elsewhere. */
function sendError(res: ServerResponse, envelope: boolean, error: RestError) {
  // The request id ties the answer to the server's log lines.
  const body = { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), requestId: currentRequestId() };
  const headers = error.status === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : undefined;
  send(res, error.status, envelope ? { ok: false, error: body } : { error: body }, headers);
}

/**
 * The REST shim: each documented endpoint of the seeds runs one GraphQL operation in-process
 * through the same Yoga pipeline, then maps data and error codes back to HTTP. Returns a handler
 * that answers REST paths and returns false for everything else.
 */
export function createRestRouter(yoga: Yoga, log: Logger) {
  const router = FindMyWay<HTTPVersion.V1>({ ignoreTrailingSlash: true });
  for (const r of [...workQueueRoutes, ...teamRoutes]) router.on(r.method, r.path, () => {}, { route: r });

  async function handle(r: Route, params: Record<string, string | undefined>, req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://rest');
    const envelope = isEnvelope(url.pathname);
    // The client leaving (e.g. during a long poll) aborts the operation.
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    try {
      // Without credentials nothing else is looked at (the body is not even read).
      if (!bearerToken(req.headers.authorization)) {
        return sendError(res, envelope, { status: 401, code: 'UNAUTHENTICATED', message: AUTH_REQUIRED });
      }
      const body = req.method === 'GET' || req.method === 'DELETE' ? {} : await readJsonBody(req);
      const variables = r.variables({ params: params as Record<string, string>, query: url.searchParams, body });
      const result = await runOperation(yoga, r.document, variables, req.headers.authorization, gone.signal);
      if (result.errors?.length || !result.data) {
        const first = result.errors?.[0] ?? { message: 'no data' };
        return sendError(res, envelope, restError(first, envelope, r.renames));
      }
      const answer = r.respond(result.data);
      if (answer.body === undefined) return send(res, answer.status);
      const shaped = restShape(answer.body, envelope);
      if (!envelope) return send(res, answer.status, shaped);
      send(res, answer.status, { ok: true, data: shaped, ...(restShape(answer.meta ?? {}, true) as object) });
    } catch (err) {
      if (err instanceof DomainError) {
        const status = HTTP_STATUS[err.code];
        return sendError(res, envelope, { status, code: err.code, message: err.message, field: err.field });
      }
      log.error({ err, path: url.pathname }, 'REST request failed');
      sendError(res, envelope, { status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' });
    }
  }

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '/').split('?')[0]!;
    // Every path under the REST prefixes answers in the REST shape, matched or not.
    const envelope = isEnvelope(path) || path === '/api/v1';
    const restPath = envelope || REST_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
    if (restPath && !decodable(path)) {
      sendError(res, envelope, { status: 400, code: 'BAD_USER_INPUT', message: 'path: malformed percent-encoding or UTF-8', field: 'path' });
      return true;
    }
    const found = router.find(req.method as 'GET', path);
    const r = (found?.store as { route?: Route } | undefined)?.route;
    if (r) {
      void handle(r, found!.params, req, res);
      return true;
    }
    if (restPath) {
      sendError(res, envelope, { status: 404, code: 'NOT_FOUND', message: `no endpoint ${req.method} ${path}` });
      return true;
    }
    return false;
  };
}
