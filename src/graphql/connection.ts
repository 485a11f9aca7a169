import { queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from './context.js';
import type { Connection } from './pagination.js';

// Pothos glue for the keyset connections of pagination.ts.

/** What the connection's nodes select (their relations), so they load with the page. */
export const nodeQuery = (ctx: Context, info: GraphQLResolveInfo) => queryFromInfo({ context: ctx, info, path: ['edges', 'node'] });

/** Resolves a connection's `totalCount` (counted only when asked for). */
export const totalCountOf = (connection: object) => (connection as Connection<unknown>).totalCount();

/** The field's path without list indices: the same field under every parent of a list. */
function fieldKey(info: GraphQLResolveInfo): string {
  const parts: string[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) if (typeof p.key === 'string') parts.unshift(p.key);
  return parts.join('.');
}

/**
 * A parent's page of a related list (a queue's tasks, a team's dispatches), loaded for every parent
 * of the list in one go: `fetch` gets all their ids and the nodes' selection (those of the first
 * caller, which every caller shares: same field, same arguments) and answers each one's rows.
 */
export function relatedPage<Row>(
  ctx: Context,
  info: GraphQLResolveInfo,
  parentId: string,
  args: object,
  fetch: (parentIds: readonly string[], query: ReturnType<typeof nodeQuery>) => Promise<Map<string, Row[]>>,
): Promise<Row[]> {
  // Planned for every parent, not only the first: planning records, per parent, where the nodes'
  // relations are in the loaded rows (otherwise Pothos loads them again, row by row).
  const query = nodeQuery(ctx, info);
  const loader = ctx.loaders.batch<Row[]>(`${fieldKey(info)}|${JSON.stringify(args)}`, async (ids) => {
    const byParent = await fetch(ids, query);
    return ids.map((id) => byParent.get(id) ?? []);
  });
  return loader.load(parentId);
}

/** Full rows grouped per parent, in the order a page statement listed their ids. */
export function groupByParent<Row extends { id: string }>(page: { parentId: string; id: string }[], rows: Row[]): Map<string, Row[]> {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const grouped = new Map<string, Row[]>();
  for (const { parentId, id } of page) {
    const row = byId.get(id);
    if (!row) continue;
    if (!grouped.has(parentId)) grouped.set(parentId, []);
    grouped.get(parentId)!.push(row);
  }
  return grouped;
}
