import { context, trace } from '@opentelemetry/api';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { failSpan, tracer, tracingEnabled } from '../tracing/tracer.js';
import { summarizeOperation } from './operation.js';

const endWith = (span: ReturnType<typeof tracer.startSpan>, result: unknown) => {
  const errors = (result as ExecutionResult | undefined)?.errors;
  if (errors?.length) {
    span.setAttribute('graphql.error.codes', [...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))]);
    failSpan(span, new Error(errors[0]!.message));
  }
  span.end();
};

const attributesOf = (summary: ReturnType<typeof summarizeOperation>) => ({
  'graphql.operation.type': summary?.type ?? 'unknown',
  ...(summary?.name ? { 'graphql.operation.name': summary.name } : {}),
});

/**
 * One span per GraphQL operation (over HTTP, websockets and the REST shim), named like
 * `mutation dequeueTask`; the resolvers' database statements run inside it.
 */
export const useTracing: Plugin = {
  onExecute: ({ args, executeFn, setExecuteFn }) => {
    if (!tracingEnabled()) return;
    const summary = summarizeOperation(args.document, args.operationName);
    const span = tracer.startSpan(summary?.label ?? 'graphql', { attributes: attributesOf(summary) });
    const active = trace.setSpan(context.active(), span);
    setExecuteFn((a) => context.with(active, () => executeFn(a)));
    return { onExecuteDone: ({ result }) => endWith(span, Symbol.asyncIterator in result ? undefined : result) };
  },
  onSubscribe: ({ args, subscribeFn, setSubscribeFn }) => {
    if (!tracingEnabled()) return;
    // The span covers setting the subscription up (owner check, replay query), not its lifetime.
    const summary = summarizeOperation(args.document, args.operationName);
    const span = tracer.startSpan(summary?.label ?? 'graphql', { attributes: attributesOf(summary) });
    const active = trace.setSpan(context.active(), span);
    setSubscribeFn((a) => context.with(active, () => subscribeFn(a)));
    return { onSubscribeResult: ({ result }) => endWith(span, Symbol.asyncIterator in result ? undefined : result) };
  },
};
