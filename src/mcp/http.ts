import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { GraphQLError } from 'graphql';
import type { Identity, TokenService } from '../auth/tokens.js';
import type { AgentTokenGuard } from '../graphql/agentTokenGuard.js';
import { authenticate, type Yoga } from '../graphql/yoga.js';
import { MAX_BODY_BYTES } from '../http/body.js';
import { requestInfo } from '../http/requestInfo.js';
import type { Logger } from '../logger.js';
import { createCaller, type Agent } from './caller.js';
import { createMcpServer } from './server.js';

export const MCP_PATH = '/mcp';

export const AGENT_TOKEN_REQUIRED =
  'MCP needs an agent token: this is an owner token. Mint one with the createAgentToken(teamId, agent) mutation ' +
  '(or POST /api/v1/teams/{teamId}/agents/{agent}/tokens) and send it as Authorization: Bearer <agent token>.';

/** Errors before the MCP transport is involved, as JSON-RPC error responses (no request id is known yet). */
function refuse(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  const body = { jsonrpc: '2.0', error: { code: -32000, message, data: { code } }, id: null };
  res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The agent a token acts as; undefined for an owner token. */
const agentOf = (identity: Identity): Agent | undefined =>
  identity.agent ? { teamId: identity.agent.teamId, agentId: identity.agent.agentId } : undefined;

/**
 * The MCP endpoint (Streamable HTTP) at /mcp, stateless: every POST carries its own token and gets
 * its own server and transport, so no session lives in an instance's memory and any instance
 * behind a load balancer answers any request. Without a session there is no server-to-client
 * stream (GET answers 405) and nothing to end (DELETE answers 405), as the specification allows.
 * Returns a handler that answers /mcp and returns false for any other path.
 */
export function createMcpHandler(deps: { yoga: Yoga; tokens: TokenService; agentTokens: AgentTokenGuard; log: Logger }) {
  async function handle(req: IncomingMessage, res: ServerResponse) {
    let identity: Identity;
    try {
      identity = await authenticate(deps.tokens, deps.agentTokens, req.headers.authorization);
    } catch (err) {
      // Anything but a refused token (e.g. the JWKS unreachable) is the server's failure.
      if ((err as GraphQLError).extensions?.code !== 'UNAUTHENTICATED') throw err;
      return refuse(res, 401, 'UNAUTHENTICATED', (err as GraphQLError).message, { 'www-authenticate': 'Bearer' });
    }
    const agent = agentOf(identity);
    if (!agent) return refuse(res, 403, 'FORBIDDEN', AGENT_TOKEN_REQUIRED);
    if (req.method !== 'POST') return refuse(res, 405, 'METHOD_NOT_ALLOWED', 'Method not allowed: this MCP server is stateless; send JSON-RPC with POST', { allow: 'POST' });

    // The client leaving (e.g. during a long claim) aborts the operation it waits for.
    const gone = new AbortController();
    const caller = createCaller({ yoga: deps.yoga, agent, authorization: req.headers.authorization!, signal: gone.signal, req });
    const server = createMcpServer(caller);
    // The transport reads the body itself, within the same limit as every other request.
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, maxRequestBodySize: MAX_BODY_BYTES });
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  }

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if ((req.url ?? '/').split('?')[0] !== MCP_PATH) return false;
    const info = requestInfo(req);
    if (info) info.route = MCP_PATH;
    handle(req, res).catch((err: unknown) => {
      deps.log.error({ err, requestId: res.getHeader('x-request-id') }, 'MCP request failed');
      if (!res.headersSent) refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'Unexpected error.');
      else res.destroy();
    });
    return true;
  };
}
