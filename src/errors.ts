// Errors the domain services raise. The GraphQL layer turns them into `extensions.code`; the REST
// shim turns those into HTTP statuses, so each failure has one code everywhere.
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TOO_MANY_REQUESTS'
  | 'SERVICE_UNAVAILABLE';

/** The HTTP status of each code, on REST and on GraphQL over HTTP alike. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  SERVICE_UNAVAILABLE: 503,
};

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The input field at fault, for BAD_USER_INPUT. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (field: string, message: string) => new DomainError('BAD_USER_INPUT', `${field}: ${message}`, field);

/** Missing and foreign resources answer alike, so existence never leaks across owners. */
export const notFound = (kind: string, id: string) => new DomainError('NOT_FOUND', `${kind} ${id} not found`);

/** An agent token asking for what only the owner (or another member) may do. */
export const forbidden = (message: string) => new DomainError('FORBIDDEN', message);

export const conflict = (message: string) => new DomainError('CONFLICT', message);
