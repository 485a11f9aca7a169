import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

// Spans are made only while tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT set, or a test's
// exporter): otherwise nothing here costs more than a boolean check.

export const tracer = trace.getTracer('agent-teams');

let enabled = false;
export const tracingEnabled = () => enabled;
export const setTracingEnabled = (on: boolean) => void (enabled = on);

/** Marks a span failed with the error's message. */
export function failSpan(span: Span, err: unknown) {
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/**
 * Runs `work` in a child span of the active span, when there is one: work done for a traced
 * request is traced, background work (the tailer's reads, the sweeper) is not.
 */
export function inChildSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  if (!enabled) return work();
  const parent = context.active();
  if (!trace.getSpan(parent)) return work();
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, parent, async (span) => {
    try {
      return await work();
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Runs `work` outside any request's trace: shared background work a request merely set off. */
export const detached = <T>(work: () => T): T => (enabled ? context.with(ROOT_CONTEXT, work) : work());
