/**
 * The finish statements' accounting step (a CTE of completeTasks and failTasks): adds what the
 * finished items (`done`, joined to their `input` for the reported cost) spent to their teams'
 * budget rows, one UPDATE per team however big the batch. `spent_cost` takes every reported
 * cost, `spent_tasks` the tasks that ended COMPLETED or FAILED (a requeued failure is not
 * finished). The row lock orders concurrent finishes of a team, so no increment is lost; the
 * budget row's trigger pauses the team when a limit is reached (after the statement's other
 * steps: AFTER triggers run at its end, so the team row is locked last, after the members'). Tasks of queues that belong to
 * no team are not accounted (no row is touched for them).
 */
export const chargeTeams = (done: string, input: string) => `
  UPDATE team_budgets b
  SET spent_cost = b.spent_cost + s.cost, spent_tasks = b.spent_tasks + s.tasks
  FROM (
    SELECT q.team_id, COALESCE(sum(${input}.cost), 0) AS cost,
           count(*) FILTER (WHERE d.status IN ('COMPLETED', 'FAILED'))::int AS tasks
    FROM ${done} d JOIN ${input} ON ${input}.id = d.id JOIN work_queues q ON q.id = d."queueId"
    WHERE q.team_id IS NOT NULL
    GROUP BY q.team_id
    ORDER BY q.team_id
  ) s
  -- Locked in team order, so two batches spanning the same teams cannot deadlock.
  CROSS JOIN LATERAL (SELECT 1 FROM team_budgets l WHERE l.team_id = s.team_id FOR UPDATE) locked
  WHERE b.team_id = s.team_id`;

/** A task's cost after this report: the sum over its attempts, null while none reported one. */
export const addCost = (t: string, input: string) =>
  `CASE WHEN ${input}.cost IS NULL THEN ${t}.cost ELSE COALESCE(${t}.cost, 0) + ${input}.cost END`;
