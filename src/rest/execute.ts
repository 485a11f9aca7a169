import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import type { Yoga } from '../graphql/yoga.js';

const printed = new WeakMap<DocumentNode, string>();

export interface OperationResult<T> {
  data: T | null | undefined;
  errors: GraphQLFormattedError[] | undefined;
}

/**
 * Runs one GraphQL operation in-process through the same Yoga pipeline as POST /graphql
 * (authentication, validation, limits, error codes), with the caller's Authorization header.
 */
export async function runOperation<T, V>(
  yoga: Yoga,
  document: TypedDocumentNode<T, V>,
  variables: V,
  authorization: string | undefined,
  signal?: AbortSignal,
): Promise<OperationResult<T>> {
  let query = printed.get(document);
  if (!query) printed.set(document, (query = print(document)));
  const response = await yoga.fetch('http://rest-shim/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  return (await response.json()) as OperationResult<T>;
}
