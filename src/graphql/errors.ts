import { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
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
 * Yoga masks unexpected errors; domain errors are expected and keep their message and code.
 * Everything else stays masked (logged by Yoga) so internals never reach clients.
 */
export function unmaskDomainError(error: unknown, fallback: (error: unknown) => Error): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError && error instanceof GraphQLError) {
    return new GraphQLError(original.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) },
    });
  }
  return fallback(error);
}
