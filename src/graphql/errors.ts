import type { ExecutionResult, GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { StandardSchemaV1 } from '@pothos/plugin-validation';
import { DomainError, type ErrorCode } from '../errors.js';

/** Errors clients see: a message and `extensions.code` (plus the faulty `field` for bad input). */
export function codedError(code: ErrorCode, message: string, field?: string): GraphQLError {
  return createGraphQLError(message, {
    extensions: { code, ...(field ? { field } : {}), ...(code === 'UNAUTHENTICATED' ? { http: { status: 401 } } : {}) },
  });
}

function issuePath(issue: StandardSchemaV1.Issue): string {
  return (issue.path ?? [])
    .map((p) => (typeof p === 'object' ? p.key : p))
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** Argument validation failures name the first faulty field: `input.priority: must be between 1 and 5`. */
export function validationError(failure: StandardSchemaV1.FailureResult): GraphQLError {
  const issue = failure.issues[0]!;
  const field = issuePath(issue) || 'input';
  return codedError('BAD_USER_INPUT', `${field}: ${issue.message}`, field);
}

/**
 * The client-facing version of an expected error, or undefined for an unexpected one (which Yoga
 * then masks and logs). Duck-typed: graphql may be loaded twice (ESM and CommonJS copies).
 */
function expectedError(error: GraphQLError): GraphQLError | undefined {
  const at = { nodes: error.nodes, path: error.path, positions: error.positions, source: error.source ?? undefined };
  const original = error.originalError;
  if (original instanceof DomainError) {
    return createGraphQLError(original.message, {
      ...at,
      extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) },
    });
  }
  // Prisma's "required record not found" (P2025) comes from lookups such as node(id), whose
  // where-clause includes the owner: a foreign id is as missing as an unknown one.
  if ((original as { code?: unknown } | undefined)?.code === 'P2025') {
    return createGraphQLError('not found', { ...at, extensions: { code: 'NOT_FOUND' } });
  }
  // Pothos' relay plugin rejects a malformed pagination cursor without a code.
  if (!error.extensions?.code && error.message.startsWith('Invalid cursor')) {
    return createGraphQLError(`after: ${error.message}`, { ...at, extensions: { code: 'BAD_USER_INPUT', field: 'after' } });
  }
  // Variables that do not fit their declared types are rejected by graphql-js before any
  // resolver runs, without a code; they are bad input like any other.
  if (!error.extensions?.code && error.message.startsWith('Variable "$')) {
    return createGraphQLError(error.message, { ...at, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } });
  }
  return undefined;
}

function withExpectedErrors(result: ExecutionResult): ExecutionResult | undefined {
  if (!result.errors?.length) return undefined;
  let changed = false;
  const errors = result.errors.map((e) => {
    const mapped = expectedError(e);
    if (mapped) changed = true;
    return mapped ?? e;
  });
  return changed ? { ...result, errors } : undefined;
}

/**
 * Turns expected errors (domain errors, not-found lookups, badly typed variables) into coded
 * GraphQL errors before Yoga's masking, so they reach clients as they are and are not logged as
 * server errors. Applies to queries, mutations and subscriptions (HTTP, SSE and websockets).
 */
export const useExpectedErrors: Plugin = {
  onExecute: () => ({
    onExecuteDone: ({ result, setResult }) => {
      if (Symbol.asyncIterator in result) return;
      const mapped = withExpectedErrors(result);
      if (mapped) setResult(mapped);
    },
  }),
  onSubscribe: () => ({
    onSubscribeResult: ({ result, setResult }) => {
      if (Symbol.asyncIterator in result) return;
      const mapped = withExpectedErrors(result);
      if (mapped) setResult(mapped);
    },
  }),
};
