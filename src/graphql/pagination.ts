import { z } from 'zod';
import { badInput } from '../errors.js';
import { intBetween, parseInput } from '../validation.js';
import { decodeCursor, encodeCursor, type CursorScope } from './cursors.js';

// Keyset pagination for every connection: a page is "the rows after this position" in an order
// on immutable columns (a sequence, or creation time then id), so rows that change status, or
// vanish, between two pages never make the next page skip or repeat a row.

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

const argsSchema = z
  .object({
    first: intBetween(0, MAX_PAGE_SIZE).nullish(),
    last: intBetween(0, MAX_PAGE_SIZE).nullish(),
    after: z.string().nullish(),
    before: z.string().nullish(),
  })
  .superRefine((a, ctx) => {
    // Forward pages take first/after, backward pages last/before.
    if (a.last != null && a.first != null) ctx.addIssue({ code: 'custom', path: ['last'], message: 'cannot be combined with first' });
    else if (a.before != null && (a.after != null || a.first != null)) {
      ctx.addIssue({ code: 'custom', path: ['before'], message: 'cannot be combined with after or first' });
    } else if (a.after != null && a.last != null) ctx.addIssue({ code: 'custom', path: ['after'], message: 'cannot be combined with last' });
  });

/** How a list is ordered, and how a row's position is written into and read from a cursor. */
export interface KeysetOrder<Row> {
  orderBy(backward: boolean): Record<string, 'asc' | 'desc'>[];
  /** The Prisma condition for rows past `position` in the reading direction; null for a position that cannot be one of this order's. */
  past(position: string[], backward: boolean): Record<string, unknown> | null;
  position(row: Row): string[];
}

const SEQ = /^\d{1,19}$/;

/** Ascending by a sequence column (tasks, messages); `max` bounds an Int column. */
export function bySeq(max: bigint = 2n ** 63n - 1n): KeysetOrder<{ seq: number | bigint }> {
  return {
    orderBy: (backward) => [{ seq: backward ? 'desc' : 'asc' }],
    past([seq, ...rest], backward) {
      if (rest.length || !seq || !SEQ.test(seq) || BigInt(seq) > max) return null;
      const value = max <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seq) : BigInt(seq);
      return { seq: backward ? { lt: value } : { gt: value } };
    },
    position: (row) => [String(row.seq)],
  };
}

/** Newest first, by creation time then id (queues, teams, dispatches). */
export const newestFirst: KeysetOrder<{ createdAt: Date; id: string }> = {
  orderBy: (backward) => ['createdAt', 'id'].map((column) => ({ [column]: backward ? 'asc' : 'desc' }) as const),
  past([at, id, ...rest], backward) {
    const createdAt = new Date(at ?? '');
    if (rest.length || !id || id.length > 64 || Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== at) return null;
    const beyond = backward ? 'gt' : 'lt';
    return { OR: [{ createdAt: { [beyond]: createdAt } }, { createdAt, id: { [beyond]: id } }] };
  },
  position: (row) => [row.createdAt.toISOString(), row.id],
};

/** What to ask the database for one page. */
export interface PageQuery {
  where: Record<string, unknown>;
  orderBy: Record<string, 'asc' | 'desc'>[];
  /** One more than the page, to learn whether another follows. */
  take: number;
}

export interface PagePlan<Row> {
  query: PageQuery;
  /** Reading backward (last/before): nearest rows before the position first. */
  backward: boolean;
  /** The validated position to read past, or null from the start (or the end, backward). */
  position: string[] | null;
  /** The connection for the rows the query returned. */
  connection<R extends Row>(rows: R[], totalCount: () => Promise<number>): Connection<R>;
}

export interface Connection<Row> {
  edges: { cursor: string; node: Row }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

/**
 * Validates the connection arguments and plans the page: BAD_USER_INPUT naming `first`, `last`,
 * `after` or `before` for a size out of range or a cursor not issued for this owner and list.
 */
export function planPage<Row>(args: ConnectionArgs, scope: CursorScope, order: KeysetOrder<Row>): PagePlan<Row> {
  const a = parseInput(argsSchema, { first: args.first, last: args.last, after: args.after, before: args.before });
  const backward = a.last != null || a.before != null;
  const size = (backward ? a.last : a.first) ?? DEFAULT_PAGE_SIZE;
  const cursor = backward ? a.before : a.after;
  let where = {};
  let position: string[] | null = null;
  if (cursor != null) {
    position = decodeCursor(scope, cursor);
    const past = position && order.past(position, backward);
    if (!past) throw badInput(backward ? 'before' : 'after', 'is not a cursor of this list');
    where = past;
  }
  return {
    query: { where, orderBy: order.orderBy(backward), take: size + 1 },
    backward,
    position,
    connection(rows, totalCount) {
      const more = rows.length > size;
      const page = rows.slice(0, size);
      if (backward) page.reverse();
      const edges = page.map((node) => ({ cursor: encodeCursor(scope, order.position(node)), node }));
      return {
        edges,
        pageInfo: {
          // Like any keyset page, only the direction read is known exactly; a cursor implies rows behind it.
          hasNextPage: backward ? cursor != null : more,
          hasPreviousPage: backward ? more : cursor != null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
        totalCount,
      };
    },
  };
}
