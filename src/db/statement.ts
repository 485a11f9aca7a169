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

/**
 * One operation prepared as several statements, the parameters choosing which one runs. Used
 * where a parameter would keep PostgreSQL from ever trusting a generic plan (a LIMIT or a flag
 * it cannot see, an array whose length it guesses as 10), so the statement would be planned
 * anew on every call: each variant has what it can inline inlined, and gets its generic plan.
 */
export function variants<P, R>(main: Statement<P, R>, pick: (params: P) => Statement<P, R>): Statement<P, R> {
  return {
    name: main.name,
    text: main.text,
    rows: (db, params) => pick(params).rows(db, params),
    row: (db, params) => pick(params).row(db, params),
    count: (db, params) => pick(params).count(db, params),
  };
}

/** A column of an items statement's `input` relation. */
export interface ItemColumn<I> {
  name: string;
  /** Its PostgreSQL type (a parameter of the one-item variant is cast to it). */
  type: string;
  value: (item: I) => unknown;
}

/**
 * A statement over a list of items, written against `input` (one row per item: the columns and
 * `ord`, its position). Prepared twice: for a single item with plain parameters, and for several
 * with unnest over arrays. `leading` are the parameters before the columns ($1 …).
 */
export function itemsStatement<P extends { items: I[] }, I, R>(
  name: string,
  options: { leading: (params: P) => unknown[]; leadingCount: number; columns: ItemColumn<I>[]; text: (input: string) => string },
): Statement<P, R> {
  const { leading, leadingCount, columns, text } = options;
  const param = (i: number) => `$${leadingCount + 1 + i}`;
  const one = statement<P, R>(
    name,
    text(`SELECT ${columns.map((c, i) => `${param(i)}::${c.type} AS ${c.name}`).join(', ')}, 1::bigint AS ord`),
    (p) => [...leading(p), ...columns.map((c) => c.value(p.items[0]!))],
  );
  const many = statement<P, R>(
    `${name}_batch`,
    text(`SELECT * FROM unnest(${columns.map((c, i) => `${param(i)}::${c.type}[]`).join(', ')}) WITH ORDINALITY AS i(${columns.map((c) => c.name).join(', ')}, ord)`),
    (p) => [...leading(p), ...columns.map((c) => p.items.map(c.value))],
  );
  return variants(one, (p) => (p.items.length === 1 ? one : many));
}
