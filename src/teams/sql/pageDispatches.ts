import { statement } from '../../db/statement.js';

export interface PageParams {
  teamIds: string[];
  /** The position to read past (exclusive): creation time and id, or nulls from the start. */
  afterCreatedAt: string | null;
  afterId: string | null;
  limit: number;
}

// One statement for the pages of many teams (a dashboard listing teams with their dispatches):
// each team's page is its own LIMIT in a lateral subquery.
const pageDispatches = (backward: boolean) =>
  statement<PageParams, { parentId: string; id: string }>(
    backward ? 'teams_page_dispatches_backward' : 'teams_page_dispatches',
    `SELECT p.team_id AS "parentId", d.id
     FROM unnest($1::text[]) AS p(team_id)
     CROSS JOIN LATERAL (
       SELECT id, created_at FROM dispatches
       WHERE team_id = p.team_id
         AND ($2::timestamptz IS NULL OR (created_at, id) ${backward ? '>' : '<'} ($2::timestamptz, $3::text))
       ORDER BY created_at ${backward ? 'ASC' : 'DESC'}, id ${backward ? 'ASC' : 'DESC'}
       LIMIT $4
     ) d
     ORDER BY 1, d.created_at ${backward ? 'ASC' : 'DESC'}, d.id ${backward ? 'ASC' : 'DESC'}`,
    (p) => [p.teamIds, p.afterCreatedAt, p.afterId, p.limit],
  );

/** Ids of each team's dispatches older than a position, newest first, per team. */
export const pageDispatchesForward = pageDispatches(false);
/** Ids of each team's dispatches newer than a position, oldest first, per team. */
export const pageDispatchesBackward = pageDispatches(true);

/** Dispatches of several teams at once. */
export const countDispatches = statement<{ teamIds: string[] }, { teamId: string; count: number }>(
  'teams_count_dispatches',
  `SELECT team_id AS "teamId", count(*)::int AS count FROM dispatches WHERE team_id = ANY($1::text[]) GROUP BY team_id`,
  (p) => [p.teamIds],
);
