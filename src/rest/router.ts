import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay, { type HTTPVersion } from 'find-my-way';
import { bearerToken } from '../auth/tokens.js';
import { RETRY_AFTER_SECONDS } from '../db/health.js';
import { DomainError, HTTP_STATUS } from '../errors.js';
import { AUTH_REQUIRED, type Yoga } from '../graphql/yoga.js';
import { requestInfo } from '../http/requestInfo.js';
import type { Logger } from '../logger.js';
import { answerOf, type RestAnswer } from './answer.js';
import { restError, type RestError } from './errors.js';
import { runOperation } from './execute.js';
import { readJsonBody, restShape } from './http.js';
import { OPENAPI_PATH, openApiDocument } from './openapi/document.js';
import { isEnvelope, planRoute, type RoutePlan } from './plan.js';
import { restRoutes } from './routeTable.js';
import { variablesOf } from './variables.js';

/** The first path segment of every route (/work-queues, /work-queue-tasks, …): paths under them answer in the REST shape. */
const REST_PREFIXES = [...new Set(restRoutes.map((r) => `/${r.path.split('/')[1]}`))];

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

/**
 * Errors in each surface's shape: `{ok:false, error}` under /api/v1, `{error}` elsewhere, with
 * the request id (also in the `x-request-id` header) to quote when reporting it.
 */
function sendError(res: ServerResponse, envelope: boolean, error: RestError) {
  const requestId = res.getHeader('x-request-id');
  const body = {
    code: error.code,
    message: error.message,
    ...(error.field ? { field: error.field } : {}),
    ...(typeof requestId === 'string' ? { requestId } : {}),
  };
  const retryAfter = error.retryAfterSeconds ?? (error.status === 503 ? RETRY_AFTER_SECONDS : undefined);
  const headers = retryAfter === undefined ? undefined : { 'retry-after': String(retryAfter) };
  send(res, error.status, envelope ? { ok: false, error: body } : { error: body }, headers);
}

/** The answer in the surface's shape: the resource itself, or `{ok, data}` (+ page fields) under /api/v1. */
function sendAnswer(res: ServerResponse, envelope: boolean, answer: RestAnswer) {
  if (answer.page) {
    const { items, nextCursor, total } = answer.page;
    const shaped = restShape(items, envelope);
    return send(res, answer.status, envelope ? { ok: true, data: shaped, next_cursor: nextCursor, total } : { items: shaped, nextCursor, total });
  }
  if (answer.body === undefined) return send(res, answer.status);
  const shaped = restShape(answer.body, envelope);
  send(res, answer.status, envelope ? { ok: true, data: shaped } : shaped);
}

/**
 * The REST shim: each documented endpoint of the seeds runs one GraphQL operation in-process
 * through the same Yoga pipeline, then maps data and error codes back to HTTP. Returns a handler
 * that answers REST paths (and the OpenAPI document of them) and returns false for everything else.
 */
export function createRestRouter(yoga: Yoga, log: Logger) {
  const schema = yoga.getEnveloped().schema;
  const plans = restRoutes.map((r) => planRoute(r, schema));
  const router = FindMyWay<HTTPVersion.V1>({ ignoreTrailingSlash: true });
  for (const plan of plans) router.on(plan.route.method, plan.route.path, () => {}, { plan });
  let document: string | undefined;

  async function handle(plan: RoutePlan, params: Record<string, string | undefined>, req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://rest');
    const { envelope, route: r } = plan;
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
      const variables = variablesOf(plan, params, url.searchParams, body);
      const result = await runOperation(yoga, r.document, variables, req.headers.authorization, gone.signal, req);
      if (result.errors?.length || !result.data) {
        const first = result.errors?.[0] ?? { message: 'no data' };
        return sendError(res, envelope, restError(first, envelope, r.renames));
      }
      sendAnswer(res, envelope, answerOf(r.answer, result.data));
    } catch (err) {
      if (err instanceof DomainError) {
        const status = HTTP_STATUS[err.code];
        return sendError(res, envelope, { status, code: err.code, message: err.message, field: err.field });
      }
      log.error({ err, path: url.pathname, requestId: res.getHeader('x-request-id') }, 'REST request failed');
      sendError(res, envelope, { status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' });
    }
  }

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '/').split('?')[0]!;
    const info = requestInfo(req);
    if (req.method === 'GET' && path === OPENAPI_PATH) {
      if (info) info.route = OPENAPI_PATH;
      document ??= JSON.stringify(openApiDocument(plans, schema));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(document);
      return true;
    }
    // Every path under the REST prefixes answers in the REST shape, matched or not.
    const envelope = isEnvelope(path) || path === '/api/v1';
    const restPath = envelope || REST_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
    if (restPath && !decodable(path)) {
      if (info) info.route = 'unmatched';
      sendError(res, envelope, { status: 400, code: 'BAD_USER_INPUT', message: 'path: malformed percent-encoding or UTF-8', field: 'path' });
      return true;
    }
    const found = router.find(req.method as 'GET', path);
    const plan = (found?.store as { plan?: RoutePlan } | undefined)?.plan;
    if (plan) {
      if (info) info.route = plan.route.path;
      void handle(plan, found!.params, req, res);
      return true;
    }
    if (restPath) {
      if (info) info.route = 'unmatched';
      sendError(res, envelope, { status: 404, code: 'NOT_FOUND', message: `no endpoint ${req.method} ${path}` });
      return true;
    }
    return false;
  };
}
