import type { GraphQLFormattedError } from 'graphql';
import { HTTP_STATUS } from '../errors.js';
import { restField } from './http.js';

export const STATUS_OF_CODE: Record<string, number> = {
  ...HTTP_STATUS,
  GRAPHQL_VALIDATION_FAILED: 400,
  GRAPHQL_PARSE_FAILED: 400,
};

export interface RestError {
  status: number;
  code: string;
  message: string;
  field?: string;
  /** RATE_LIMITED: the `Retry-After` to answer with, in seconds. */
  retryAfterSeconds?: number;
}

// graphql-js's messages for variables of the wrong type, e.g.
// Variable "$input" got invalid value "high" at "input.priority"; Int cannot represent …
const VARIABLE_ERROR = /^Variable "\$(\w+)" got invalid value .*?(?: at "([^"]+)")?; (.*)$/s;
const MISSING_FIELD = /Field "(\w+)" of required type "[^"]+" was not provided/;
// Variable "$agentId" of required type "String!" was not provided. / … must not be null.
const MISSING_VARIABLE = /^Variable "\$(\w+)" of (?:required|non-null) type "[^"]+" (?:was not provided|must not be null)/;

/** A GraphQL error in REST terms: HTTP status, code, and a message naming the body field. */
export function restError(error: GraphQLFormattedError, snake: boolean, renames?: Record<string, string>): RestError {
  const code = String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  const status = STATUS_OF_CODE[code] ?? 500;
  if (typeof error.extensions?.retryAfter === 'number') return { status, code, message: error.message, retryAfterSeconds: error.extensions.retryAfter };
  let field = typeof error.extensions?.field === 'string' ? error.extensions.field : undefined;
  let reason = field && error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message;
  const missingVariable = MISSING_VARIABLE.exec(error.message);
  if (missingVariable) {
    field = missingVariable[1];
    reason = 'is required';
  }
  const variable = VARIABLE_ERROR.exec(error.message);
  if (variable) {
    const missing = MISSING_FIELD.exec(variable[3]!);
    field = missing ? `${variable[2] ?? variable[1]}.${missing[1]}` : (variable[2] ?? variable[1]);
    reason = missing ? 'is required' : variable[3]!;
  }
  if (!field) return { status, code: status === 500 ? 'INTERNAL_SERVER_ERROR' : code, message: error.message };
  const name = restField(field, snake, renames);
  return { status, code, message: `${name}: ${reason}`, field: name };
}
