import type { IncomingMessage } from 'node:http';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { isGraphQLError } from '../graphql/errors.js';
import type { Yoga } from '../graphql/yoga.js';

export interface OperationResult<T> {
  data: T | null | undefined;
  errors: GraphQLFormattedError[] | undefined;
}

const formatted = (errors: readonly unknown[]): GraphQLFormattedError[] =>
  errors.map((e) => (isGraphQLError(e) ? e.toJSON() : { message: e instanceof Error ? e.message : String(e) }));

/**
 * Runs one GraphQL operation in-process through the same envelop pipeline as POST /graphql
 * (authentication in the context factory, validation and its limits, error codes and masking,
 * delivery after commit), with the caller's Authorization header. The route's document is
 * already parsed; no HTTP request is built or parsed again. The Node request (`req`) goes along
 * as it does for POST /graphql, so the request's log line and metrics learn owner and operation.
 */
export async function runOperation<T, V>(
  yoga: Yoga,
  document: TypedDocumentNode<T, V>,
  variables: V,
  authorization: string | undefined,
  signal?: AbortSignal,
  req?: IncomingMessage,
): Promise<OperationResult<T>> {
  const request = { headers: new Headers(authorization ? { authorization } : {}), signal: signal ?? new AbortController().signal };
  const { schema, validate, contextFactory, execute } = yoga.getEnveloped({ request, req } as never);
  const invalid = validate(schema, document);
  if (invalid.length) return { data: undefined, errors: formatted(invalid) };
  let contextValue: unknown;
  try {
    contextValue = await contextFactory();
  } catch (err) {
    if (isGraphQLError(err)) return { data: undefined, errors: formatted([err]) };
    throw err;
  }
  const result = (await execute({ schema, document, variableValues: variables as Record<string, unknown>, contextValue })) as ExecutionResult<T>;
  return { data: result.data, errors: result.errors ? formatted(result.errors) : undefined };
}
