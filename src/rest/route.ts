import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/** How an operation's data becomes the HTTP answer. Paths are dotted, into the data (`workQueue.tasks`). */
export type Answer =
  /** The value at `body`, with `status`; `empty` (e.g. 204, no body) when it is null; `wrap` puts it under one key. */
  | { status: number; body: string; empty?: number; wrap?: string; description?: string }
  /** The connection at `page`, as a page of items (each surface has its page shape). */
  | { status: number; page: string; description?: string };

/**
 * One REST endpoint = one GraphQL operation, described as data: where each of the operation's
 * variables comes from (a path parameter, the query string, the JSON body) and which part of its
 * data is the answer. The router runs this table and the OpenAPI document is generated from it,
 * with types taken from the operation's variables in the GraphQL schema, so the two cannot
 * disagree. No rules of the domain live here.
 */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** A find-my-way pattern; each `:name` sets the GraphQL variable `name`. */
  path: string;
  /** One line for the OpenAPI document. */
  summary: string;
  description?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each route has its own document types
  document: TypedDocumentNode<any, any>;
  /** Variables set from the query string (REST names through `renames`). */
  query?: readonly string[];
  /**
   * Variables set from the JSON body: a variable (`agentId`), a field of an input-object variable
   * (`input.name`), or all of its fields (`input.*`). On /api/v1 the body's names are snake_case.
   */
  body?: readonly string[];
  answer: Answer;
  /** GraphQL variable names the REST surface calls otherwise (waitSeconds → wait). */
  renames?: Record<string, string>;
}

export const route = (r: Route): Route => r;

/** `?limit=&cursor=` are the connection's `first` and `after`. */
export const PAGING = { query: ['first', 'after'], renames: { first: 'limit', after: 'cursor' } } as const;

/** A page of a connection, as REST lists answer it. */
export interface Page {
  items: unknown[];
  nextCursor: string | null;
  total: number;
}

export function page(connection: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: unknown }[] }): Page {
  return {
    items: connection.edges.map((e) => e.node),
    nextCursor: connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null,
    total: connection.totalCount,
  };
}
