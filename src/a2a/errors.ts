import { RequestMalformedError, TaskNotCancelableError, TaskNotFoundError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import type { GraphQLFormattedError } from 'graphql';

/** How one operation's GraphQL errors read in A2A terms. */
export interface ErrorMapping {
  /** GraphQL argument paths as the A2A fields they come from, e.g. `input.task` → `message.parts`. */
  fields?: Record<string, string>;
  /** What CONFLICT means for the method: a task not cancelable (-32002) or, by default, an unsupported operation (-32004). */
  conflict?: 'notCancelable' | 'unsupported';
}

/**
 * An error of the team's front door, answered with its HTTP status before any JSON-RPC method
 * runs (no or a bad token: 401, a missing or foreign team: 404, the database away: 503).
 */
export class FrontDoorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Invalid params naming the A2A field at fault (JSON-RPC -32602). */
export const invalidParams = (field: string, reason: string) =>
  new RequestMalformedError({ message: `${field}: ${reason}`, metadata: { field } });

/**
 * A GraphQL error in A2A terms: NOT_FOUND → task not found (-32001), BAD_USER_INPUT → invalid
 * params naming the A2A field, CONFLICT → not cancelable (-32002) or unsupported operation (-32004),
 * UNAUTHENTICATED / SERVICE_UNAVAILABLE → the front door's HTTP status; anything else an
 * internal error (-32603) with GraphQL's masked message.
 */
export function graphqlError(error: GraphQLFormattedError, { fields = {}, conflict = 'unsupported' }: ErrorMapping = {}): Error {
  const code = String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  switch (code) {
    case 'NOT_FOUND':
      return new TaskNotFoundError(error.message);
    case 'BAD_USER_INPUT':
    case 'GRAPHQL_VALIDATION_FAILED': {
      const field = typeof error.extensions?.field === 'string' ? error.extensions.field : undefined;
      if (!field) return new RequestMalformedError(error.message);
      const reason = error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message;
      return invalidParams(fields[field] ?? field, reason);
    }
    case 'CONFLICT':
      return conflict === 'notCancelable' ? new TaskNotCancelableError(error.message) : new UnsupportedOperationError(error.message);
    case 'UNAUTHENTICATED':
      return new FrontDoorError(401, code, error.message);
    case 'SERVICE_UNAVAILABLE':
      return new FrontDoorError(503, code, error.message);
    default:
      return new Error(error.message);
  }
}
