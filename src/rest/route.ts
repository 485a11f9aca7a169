import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

export interface RestRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

export interface RestResponse {
  status: number;
  /** Absent: an empty body (204). */
  body?: unknown;
  /** Extra top-level fields of the /api/v1 envelope (pagination). */
  meta?: Record<string, unknown>;
}

/**
 * One REST endpoint = one GraphQL operation: how path, query and body become its variables, and
 * how its data becomes the HTTP answer. No rules of the domain live here.
 */
export interface Route<T = unknown, V = unknown> {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  document: TypedDocumentNode<T, V>;
  variables(req: RestRequest): V;
  respond(data: T): RestResponse;
  /** GraphQL argument names that the REST surface calls otherwise (waitSeconds → wait). */
  renames?: Record<string, string>;
}

export const route = <T, V>(r: Route<T, V>): Route => r as unknown as Route;

/** A page of a connection, as REST lists answer it. */
export function page<N>(connection: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: N }[] }) {
  return {
    items: connection.edges.map((e) => e.node),
    nextCursor: connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null,
    total: connection.totalCount,
  };
}
