import pg from 'pg';
import { inChildSpan } from '../tracing/tracer.js';

/** A pool or a client inside a transaction: statements run on either. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

// int8 (ids of event rows, counts) as BigInt, exactly; Prisma sets its own parsers per query.
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (value: string) => BigInt(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface Statement<P, R> {
  readonly name: string;
  readonly text: string;
  /** Runs the statement with the parameters of `params`, answering its rows. */
  rows(db: Queryable, params: P): Promise<R[]>;
  /** The first row, or null. */
  row(db: Queryable, params: P): Promise<R | null>;
  /** Rows affected. */
  count(db: Queryable, params: P): Promise<number>;
}

/**
 * One SQL operation: a named prepared statement (parsed and planned once per connection) and
 * the mapping of typed parameters to its positional ones. Each lives in its domain's sql/ folder.
 */
export function statement<P, R = Record<string, unknown>>(name: string, text: string, values: (params: P) => unknown[]): Statement<P, R> {
  const attributes = { 'db.system.name': 'postgresql', 'db.operation.name': name, 'db.query.text': text };
  // Traced as a child of the request's span, when there is one (see inChildSpan).
  const run = (db: Queryable, params: P) => inChildSpan(name, attributes, () => db.query({ name, text, values: values(params), types }));
  return {
    name,
    text,
    rows: async (db, params) => (await run(db, params)).rows as R[],
    row: async (db, params) => ((await run(db, params)).rows[0] as R | undefined) ?? null,
    count: async (db, params) => (await run(db, params)).rowCount ?? 0,
  };
}
