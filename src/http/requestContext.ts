import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

// Every HTTP answer carries security headers and a request id; the id is also in every log line
// written while the request runs (the logger reads it from here) and in every error answer.

/** Set on every HTTP answer: no sniffing, no framing, no referrer, nothing cached. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // frame-ancestors only: GraphiQL (development) loads its scripts from a CDN.
  'content-security-policy': "frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
  'cache-control': 'no-store',
};

/** An incoming X-Request-Id is kept when it is a sane token (a proxy's or a client's id). */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const store = new AsyncLocalStorage<{ requestId: string }>();

/** The id of the HTTP request being handled, if any. */
export const currentRequestId = (): string | undefined => store.getStore()?.requestId;

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_ID.test(header) ? header : randomUUID();
}

/** Wraps the server's request handler: headers and request id first, then the handler within its context. */
export function withRequestContext(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    res.setHeader('x-request-id', requestId);
    store.run({ requestId }, () => handler(req, res));
  };
}
