import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the layers that handle a request learn about it, for its access-log line and metrics. */
export interface RequestInfo {
  /** The answer's `x-request-id`. */
  id: string;
  /** The route that answered: a REST pattern (`/work-queues/:queueId/dequeue`), `/graphql`, `/healthz`… */
  route?: string;
  /** The GraphQL operation run: its type and root fields (`mutation dequeueTask`). */
  operation?: string;
  /** The operation's name, when the client gave one. */
  operationName?: string;
  /** The token's owner, once authenticated. */
  owner?: string;
}

const infos = new WeakMap<IncomingMessage, RequestInfo>();

/** The record of a request being answered (undefined for a request that did not come over HTTP). */
export const requestInfo = (req: IncomingMessage | undefined): RequestInfo | undefined => (req ? infos.get(req) : undefined);

/** Ids we accept from a caller or a proxy: short, and nothing that could forge a log line. */
const ACCEPTABLE_ID = /^[\w.:@-]{1,128}$/;

/**
 * The request's id: one already set on the answer (by another layer), else the caller's
 * `x-request-id` when it looks sane, else a fresh UUID. It is sent back as `x-request-id`.
 */
export function requestIdOf(req: IncomingMessage, res?: ServerResponse): string {
  const given = res?.getHeader('x-request-id') ?? req.headers['x-request-id'];
  const id = typeof given === 'string' && ACCEPTABLE_ID.test(given) ? given : randomUUID();
  if (res && !res.headersSent) res.setHeader('x-request-id', id);
  return id;
}

export function startRequest(req: IncomingMessage, res: ServerResponse): RequestInfo {
  const info: RequestInfo = { id: requestIdOf(req, res) };
  infos.set(req, info);
  return info;
}
