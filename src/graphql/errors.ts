import type { ExecutionResult, GraphQLError, GraphQLErrorOptions } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { StandardSchemaV1 } from '@pothos/plugin-validation';
import { RETRY_AFTER_SECONDS, type DatabaseHealth } from '../db/health.js';
import { DomainError, HTTP_STATUS, RateLimitedError, type ErrorCode } from '../errors.js';

// Duck-typed: graphql may be loaded twice (its ESM and CommonJS copies).
export const isGraphQLError = (e: unknown): e is GraphQLError => typeof (e as GraphQLError | undefined)?.toJSON === 'function';

/** Errors clients see: a message and `extensions.code` (plus the faulty `field` for bad input). */
export function codedError(code: ErrorCode, message: string, field?: string): GraphQLError {
  return createGraphQLError(message, {
    extensions: { code, ...(field ? { field } : {}), ...(code === 'UNAUTHENTICATED' ? { http: { status: 401 } } : {}) },
  });
}

/**
 * An error of the whole HTTP request (its body, its content type, the database being down): the
 * response carries the code's HTTP status, as the REST shim's would.
 */
export function requestError(code: ErrorCode, message: string, field?: string, headers?: Record<string, string>): GraphQLError {
  return createGraphQLError(message, {
    extensions: { code, ...(field ? { field } : {}), http: { status: HTTP_STATUS[code], ...(headers ? { headers } : {}) } },
  });
}

/**
 * RATE_LIMITED with the wait in `extensions.retryAfter` (seconds), and over HTTP a 429 with
 * `Retry-After`: a refused request, long poll or subscription, on every transport alike.
 */
export function rateLimitedError(err: RateLimitedError, at: Omit<GraphQLErrorOptions, 'extensions'> = {}): GraphQLError {
  const seconds = String(err.retryAfterSeconds);
  return createGraphQLError(err.message, {
    ...at,
    extensions: { code: 'RATE_LIMITED', retryAfter: err.retryAfterSeconds, http: { status: 429, headers: { 'Retry-After': seconds } } },
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
function expectedError(error: GraphQLError, health: DatabaseHealth): GraphQLError | undefined {
  const at = { nodes: error.nodes, path: error.path, positions: error.positions, source: error.source ?? undefined };
  const original = error.originalError;
  // The database down or restarting: the client should retry, and the outage is logged once.
  if (original && health.report(original)) {
    return createGraphQLError('The database is unavailable; retry shortly', {
      ...at,
      extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } } },
    });
  }
  if (original instanceof RateLimitedError) return rateLimitedError(original, at);
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
  // Pothos' relay plugin rejects a negative page size without a code.
  const pageSize = /^Argument "(first|last)" must be a non-negative integer/.exec(error.message);
  if (!error.extensions?.code && pageSize) {
    return createGraphQLError(`${pageSize[1]}: must be between 0 and 100`, { ...at, extensions: { code: 'BAD_USER_INPUT', field: pageSize[1] } });
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

function withExpectedErrors(result: ExecutionResult, health: DatabaseHealth): ExecutionResult | undefined {
  if (!result.errors?.length) return undefined;
  let changed = false;
  const errors = result.errors.map((e) => {
    const mapped = expectedError(e, health);
    if (mapped) changed = true;
    return mapped ?? e;
  });
  return changed ? { ...result, errors } : undefined;
}

/**
 * Turns expected errors (domain errors, not-found lookups, badly typed variables, an unavailable
 * database) into coded
 * GraphQL errors before Yoga's masking, so they reach clients as they are and are not logged as
 * server errors. Applies to queries, mutations and subscriptions (HTTP, SSE and websockets).
 */
export const useExpectedErrors = (health: DatabaseHealth): Plugin => ({
  onExecute: () => ({
    onExecuteDone: ({ result, setResult }) => {
      if (Symbol.asyncIterator in result) return;
      const mapped = withExpectedErrors(result, health);
      if (mapped) setResult(mapped);
    },
  }),
  onSubscribe: () => ({
    onSubscribeResult: ({ result, setResult }) => {
      if (Symbol.asyncIterator in result) return;
      const mapped = withExpectedErrors(result, health);
      if (mapped) setResult(mapped);
    },
  }),
});
