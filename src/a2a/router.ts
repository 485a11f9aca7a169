import type { IncomingMessage, ServerResponse } from 'node:http';
import { A2A_VERSION_HEADER, AgentCard } from '@a2a-js/sdk';
import { RequestMalformedError, TaskNotFoundError, toJsonRpcError } from '@a2a-js/sdk/errors';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import { JsonRpcTransportHandler, ServerCallContext, validateVersion } from '@a2a-js/sdk/server';
import { bearerToken, isAgentToken } from '../auth/tokens.js';
import { RETRY_AFTER_SECONDS } from '../db/health.js';
import { DomainError } from '../errors.js';
import { AUTH_REQUIRED, type Yoga } from '../graphql/yoga.js';
import { checkDeclaredLength, isJsonContentType, MAX_BODY_BYTES, parseJson, readUtf8 } from '../http/body.js';
import { requestInfo } from '../http/requestInfo.js';
import type { Logger } from '../logger.js';
import { agentCard, type TeamFacts } from './agentCard.js';
import { FrontDoorError } from './errors.js';
import { run, type Caller } from './graphql.js';
import { A2ATeamDocument } from './operations.generated.js';
import { TeamAgent } from './teamAgent.js';

const ROUTE = /^\/a2a\/teams\/([^/]+)(\/\.well-known\/agent-card\.json)?\/?$/;
/** A comment line now and then keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;
const INVALID_REQUEST = -32600;
const PARSE_ERROR = -32700;

type RpcId = string | number | null;
const rpcError = (id: RpcId, code: number, message: string) => ({ jsonrpc: '2.0', id, error: { code, message } });

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** The front door's answer: 401 with a Bearer challenge, 404, 429 (a rate limit) and 503 with Retry-After. */
function sendFrontDoor(res: ServerResponse, err: FrontDoorError, id: RpcId, card: boolean) {
  const retryAfter = err.retryAfterSeconds ?? (err.status === 503 ? RETRY_AFTER_SECONDS : undefined);
  const headers: Record<string, string> =
    err.status === 401 ? { 'www-authenticate': 'Bearer' } : retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {};
  send(res, err.status, card ? { error: { code: err.code, message: err.message } } : rpcError(id, INVALID_REQUEST, err.message), headers);
}

/** Where the client reached us, for the card's absolute URLs. */
function originOf(req: IncomingMessage): string {
  const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  return `${proto}://${req.headers.host ?? 'localhost'}`;
}

const idOf = (body: unknown): RpcId => {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
};

/** The cursor an SSE event carries (`metadata.cursor` of a task or status update), in v1.0 and v0.3 shapes alike. */
function cursorOf(message: { result?: unknown }): string | undefined {
  type WithCursor = { metadata?: { cursor?: unknown } } | undefined;
  const r = message.result as (Record<string, WithCursor> & { metadata?: { cursor?: unknown }; kind?: string }) | undefined;
  const legacy = r?.kind === 'status-update' || r?.kind === 'task' ? r.metadata?.cursor : undefined;
  const cursor = r?.statusUpdate?.metadata?.cursor ?? r?.task?.metadata?.cursor ?? legacy;
  return typeof cursor === 'string' ? cursor : undefined;
}

/**
 * The A2A front end: each team is an A2A agent. `GET /a2a/teams/:teamId/.well-known/agent-card.json`
 * is its card, `POST /a2a/teams/:teamId` its JSON-RPC endpoint (A2A 1.0 methods with
 * `A2A-Version: 1.0`, the 0.3 names — message/send, tasks/resubscribe… — without it), answered
 * by the SDK's transport-agnostic JSON-RPC handlers over our TeamAgent. Both need the owner's
 * token; a missing or foreign team is 404. Returns false for paths outside /a2a/.
 */
export function createA2ARouter(yoga: Yoga, log: Logger) {
  /** The caller's team; a missing, foreign or malformed id is 404 (existence never leaks across owners). */
  async function team(caller: Caller, teamId: string): Promise<TeamFacts> {
    try {
      return (await run(yoga, caller, A2ATeamDocument, { id: teamId })).team;
    } catch (err) {
      if (err instanceof TaskNotFoundError || err instanceof RequestMalformedError) throw new FrontDoorError(404, 'NOT_FOUND', `team ${teamId} not found`);
      throw err;
    }
  }

  async function serveCard(req: IncomingMessage, res: ServerResponse, caller: Caller, teamId: string) {
    const facts = await team(caller, teamId);
    send(res, 200, AgentCard.toJSON(agentCard(facts, originOf(req))));
  }

  async function serveRpc(req: IncomingMessage, res: ServerResponse, caller: Caller, teamId: string) {
    if (!isJsonContentType(req.headers['content-type'])) {
      return send(res, 415, rpcError(null, INVALID_REQUEST, 'the request body must be sent as Content-Type: application/json'));
    }
    let body: unknown;
    try {
      checkDeclaredLength(req.headers['content-length']);
      body = parseJson(await readUtf8(req));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const tooLarge = err.message.includes(`at most ${MAX_BODY_BYTES} bytes`);
      return send(res, tooLarge ? 413 : 200, rpcError(null, tooLarge ? INVALID_REQUEST : PARSE_ERROR, err.message));
    }
    const id = idOf(body);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return send(res, 200, rpcError(id, INVALID_REQUEST, 'body: must be one JSON-RPC request object (no batches)'));
    }
    let facts: TeamFacts;
    try {
      facts = await team(caller, teamId);
    } catch (err) {
      if (err instanceof FrontDoorError) return sendFrontDoor(res, err, id, false);
      throw err;
    }
    // The token is verified by now (the team lookup ran with it). A2A clients give a team work,
    // which only its owner may: an agent token is refused here, as REST and GraphQL refuse it.
    if (isAgentToken(bearerToken(req.headers.authorization)!)) {
      return sendFrontDoor(res, new FrontDoorError(403, 'FORBIDDEN', 'the A2A endpoint takes the owner\'s token; an agent token acts as its member through GraphQL, REST or MCP'), id, false);
    }
    const version = req.headers[A2A_VERSION_HEADER.toLowerCase()];
    const requested = typeof version === 'string' && version ? version : '0.3';
    const card = agentCard(facts, originOf(req));
    const context = new ServerCallContext({ requestedVersion: requested });
    const lastEventId = typeof req.headers['last-event-id'] === 'string' ? req.headers['last-event-id'] : undefined;
    const agent = new TeamAgent(yoga, caller, facts, card, lastEventId);
    try {
      validateVersion(requested, card, 'JSONRPC');
    } catch (err) {
      return send(res, 200, { jsonrpc: '2.0', id, error: toJsonRpcError(err) });
    }
    const transport = requested === '0.3' ? new LegacyJsonRpcTransportHandler(agent) : new JsonRpcTransportHandler(agent);
    const answer = await transport.handle(body as Record<string, unknown>, context);
    if (!(Symbol.asyncIterator in answer)) {
      logInternal(answer as { error?: { code?: number; message?: string } }, req);
      return send(res, 200, answer);
    }
    await stream(res, req, answer as AsyncGenerator<{ result?: unknown; error?: unknown }>, id);
  }

  /**
   * A stream as SSE: an error before its first event answers as plain JSON-RPC (what clients
   * expect), then one SSE event per message, with `id:` the event cursor to resume from.
   */
  async function stream(res: ServerResponse, req: IncomingMessage, messages: AsyncGenerator<{ result?: unknown; error?: unknown }>, id: RpcId) {
    let first: IteratorResult<{ result?: unknown }>;
    try {
      first = await messages.next();
    } catch (err) {
      return send(res, 200, { jsonrpc: '2.0', id, error: toJsonRpcError(err) });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    const write = (message: { result?: unknown }) => {
      const cursor = cursorOf(message);
      res.write(`${cursor ? `id: ${cursor}\n` : ''}data: ${JSON.stringify(message)}\n\n`);
    };
    try {
      if (!first.done) write(first.value);
      for (let next = await messages.next(); !next.done; next = await messages.next()) write(next.value);
    } catch (err) {
      log.warn({ err, path: req.url }, 'A2A stream ended with an error');
      if (!res.writableEnded) res.write(`event: error\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, error: toJsonRpcError(err) })}\n\n`);
    } finally {
      clearInterval(keepAlive);
      if (!res.writableEnded) res.end();
    }
  }

  function logInternal(answer: { error?: { code?: number; message?: string } }, req: IncomingMessage) {
    if (answer.error?.code === -32603) log.error({ error: answer.error, path: req.url }, 'A2A request failed');
  }

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path !== '/a2a' && !path.startsWith('/a2a/')) return false;
    const info = requestInfo(req);
    const match = ROUTE.exec(path);
    let teamId: string | undefined;
    try {
      teamId = match ? decodeURIComponent(match[1]!) : undefined;
    } catch {
      teamId = undefined;
    }
    const isCard = Boolean(match?.[2]);
    if (info) info.route = teamId === undefined ? 'unmatched' : isCard ? '/a2a/teams/:teamId/.well-known/agent-card.json' : '/a2a/teams/:teamId';
    if (teamId === undefined) {
      send(res, 404, { error: { code: 'NOT_FOUND', message: `no endpoint ${req.method} ${path}` } });
      return true;
    }
    const method = isCard ? 'GET' : 'POST';
    if (req.method !== method) {
      send(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${path} answers ${method}` } }, { allow: method });
      return true;
    }
    // The client leaving (a dropped stream) ends the operations and subscriptions it started.
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const caller: Caller = { authorization: req.headers.authorization, signal: gone.signal, req };
    const serve = async () => {
      // Without credentials nothing else is looked at (the body is not even read).
      if (!bearerToken(req.headers.authorization)) throw new FrontDoorError(401, 'UNAUTHENTICATED', AUTH_REQUIRED);
      await (isCard ? serveCard(req, res, caller, teamId) : serveRpc(req, res, caller, teamId));
    };
    serve().catch((err: unknown) => {
      if (err instanceof FrontDoorError) return sendFrontDoor(res, err, null, isCard);
      log.error({ err, path, requestId: res.getHeader('x-request-id') }, 'A2A request failed');
      if (!res.headersSent) send(res, isCard ? 500 : 200, isCard ? { error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' } } : rpcError(null, -32603, 'Unexpected error.'));
      else if (!res.writableEnded) res.end();
    });
    return true;
  };
}
