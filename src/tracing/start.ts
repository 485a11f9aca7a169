import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import { setTracingEnabled } from './tracer.js';

export type TracingOptions = {
  serviceName: string;
  /** Where the SDK's own warnings go (e.g. a collector that cannot be reached). */
  warn?: (message: string) => void;
} & (
  | { endpoint: string; headers?: Record<string, string> }
  /** Tests: spans go to this exporter as each one ends. */
  | { exporter: SpanExporter }
);

/**
 * Turns tracing on for the process: a tracer provider with the W3C trace-context propagator and
 * an async-local context manager, exporting over OTLP/HTTP to `<endpoint>/v1/traces` in batches,
 * and Prisma's own spans for the ORM reads. Returns its shutdown, which flushes what is left.
 */
export function startTracing(options: TracingOptions): { stop(): Promise<void> } {
  const processor =
    'exporter' in options
      ? new SimpleSpanProcessor(options.exporter)
      : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces`, headers: options.headers }));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: [processor],
  });
  provider.register();
  if (options.warn) {
    const warn = (message: string, ...args: unknown[]) => options.warn!([message, ...args.map(String)].join(' '));
    const quiet = () => {};
    diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);
  }
  // Prisma Client looks for this helper at each query: no module hooks are involved.
  const prisma = new PrismaInstrumentation({ enabled: false });
  prisma.setTracerProvider(provider);
  prisma.enable();
  setTracingEnabled(true);
  return {
    async stop() {
      setTracingEnabled(false);
      prisma.disable();
      await provider.shutdown();
      trace.disable();
      diag.disable();
      context.disable();
      propagation.disable();
    },
  };
}
