import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Set on every HTTP answer: no sniffing, no framing, no referrer, nothing cached. A handler may
 * still set its own (the dashboard's assets are cacheable and its page has a fuller CSP).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // frame-ancestors only: GraphiQL and the dashboard bring their own scripts and styles.
  'content-security-policy': "frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
  'cache-control': 'no-store',
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Wraps the server's request handler: the security headers go on the answer before anything else. */
export function withSecurityHeaders(handle: Handler): Handler {
  return (req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    handle(req, res);
  };
}
