import type { IncomingMessage } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { tracer, tracingEnabled } from './tracer.js';

/** The server span of one HTTP request, continuing the caller's trace (W3C `traceparent`). */
export interface HttpSpan {
  span: Span;
  context: Context;
}

export function startHttpSpan(req: IncomingMessage): HttpSpan | undefined {
  if (!tracingEnabled()) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const method = req.method ?? 'GET';
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': method, 'url.path': (req.url ?? '/').split('?')[0], 'url.scheme': 'http' },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Runs the request's handling inside its span, so GraphQL and database spans become children. */
export const withinHttpSpan = (http: HttpSpan | undefined, handle: () => void) => (http ? context.with(http.context, handle) : handle());

/** Names the span after its route (`POST /work-queues/:queueId/dequeue`) and ends it. */
export function endHttpSpan(http: HttpSpan | undefined, answer: { method: string; status: number; route: string; requestId: string }) {
  if (!http) return;
  const { span } = http;
  span.updateName(`${answer.method} ${answer.route}`);
  span.setAttributes({ 'http.route': answer.route, 'http.response.status_code': answer.status, 'http.request.id': answer.requestId });
  if (answer.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
