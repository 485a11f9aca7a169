import type { GraphQLError } from 'graphql';
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

function isGraphQLError(error: unknown): error is GraphQLError {
  return typeof error === 'object' && error !== null && 'originalError' in error && 'path' in error;
}

/**
 * Yoga masks unexpected errors; domain errors are expected and keep their message and code.
 * Everything else stays masked (logged by Yoga) so internals never reach clients.
 */
export function unmaskDomainError(error: unknown, fallback: (error: unknown) => Error): Error {
  // Duck-typed: graphql may be loaded twice (ESM and CommonJS copies), defeating instanceof.
  const original = isGraphQLError(error) ? error.originalError : error;
  if (!isGraphQLError(error)) return fallback(error);
  // Prisma's "required record not found" (P2025) comes from lookups such as node(id), whose
  // where-clause includes the owner: a foreign id is as missing as an unknown one.
  if ((original as { code?: unknown } | undefined)?.code === 'P2025') {
    return createGraphQLError('not found', { nodes: error.nodes, path: error.path, extensions: { code: 'NOT_FOUND' } });
  }
  if (original instanceof DomainError) {
    return createGraphQLError(original.message, {
      nodes: error.nodes,
      source: error.source ?? undefined,
      positions: error.positions,
      path: error.path,
      extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) },
    });
  }
  return fallback(error);
}

/**
 * Variables that do not fit their declared types (a missing required field, a malformed
 * DateTime) are rejected by graphql-js before any resolver runs, without a code. They are bad
 * user input like any other, so they get the same code.
 */
export const useBadVariablesCode: Plugin = {
  onExecute: () => ({
    onExecuteDone: ({ result, setResult }) => {
      if (!('errors' in result) || !result.errors?.length) return;
      if (!result.errors.some((e) => !e.extensions?.code && e.message.startsWith('Variable "$'))) return;
      setResult({
        ...result,
        errors: result.errors.map((e) =>
          !e.extensions?.code && e.message.startsWith('Variable "$')
            ? createGraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: 'BAD_USER_INPUT' } })
            : e,
        ),
      });
    },
  }),
};
