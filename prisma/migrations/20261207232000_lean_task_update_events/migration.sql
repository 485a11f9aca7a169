-- Fixed costs paid by every statement that changes tasks, however few rows it changes. The event
-- trigger of task updates alone cost about 220 µs of PostgreSQL CPU per statement (half the
-- price of a single claim); now about 20 µs. Measured with perf and single-row updates.
--
-- 1. task_update_event_type was IMMUTABLE while its body casts text to an enum (a STABLE
--    operation), so PostgreSQL could not inline it and ran it as a separate SQL function, whose
--    body is parsed and planned again for every statement that calls it. Declared STABLE (what it
--    is), it is inlined into the trigger's query, whose plan is kept. task_event_detail is now
--    given the event type as a column (a subquery that is not flattened), so it is inlined too.
-- 2. The team events were computed for every statement, joined through the member-state view
--    (a scan of teams); they now run only when a changed task belongs to a team queue. The
--    queue's team is looked up by primary key for each row, whatever the statistics say.
-- 3. retry_backoff_valid, in a CHECK constraint of tasks and work_queues, was a SQL function
--    PostgreSQL could not inline (it has a subquery) but tried to, parsing its body each time a
--    statement prepared the table's constraints. As plpgsql it is compiled once per connection.
--    So is retry_delay (a failure's backoff), which a SQL function with a FROM ran as: parsed
--    and planned again by every fail statement that requeued a task.
--
-- What is recorded is unchanged: the same events, details and team events, in the same order.

ALTER FUNCTION "task_update_event_type"("TaskStatus", "TaskStatus", TIMESTAMPTZ, TIMESTAMPTZ) STABLE;

CREATE OR REPLACE FUNCTION "record_task_updates"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "task_events" ("task_id", "queue_id", "team_id", "type", "agent_id", "detail")
  SELECT c."id", c."queue_id", c."team", c."ev_type", c."agent",
         "task_event_detail"(c."ev_type", c."status", c."attempts", c."error", c."stolen_by_queue_id", c."run_at", c."exhausted", c."input_request", c."input_response")
  FROM (
    SELECT n.*, COALESCE(n."assigned_agent_id", o."assigned_agent_id") AS "agent",
           "task_update_event_type"(n."status", o."status", n."stolen_at", o."stolen_at") AS "ev_type",
           (SELECT q."team_id" FROM "work_queues" q WHERE q."id" = n."queue_id") AS "team"
    FROM "new_rows" n JOIN "old_rows" o ON o."id" = n."id"
    OFFSET 0
  ) c
  WHERE c."ev_type" IS NOT NULL
  ORDER BY c."seq";
  -- Team events only for the tasks of team queues (most statements have none: one cheap look).
  IF EXISTS (SELECT 1 FROM "new_rows" n JOIN "work_queues" q ON q."id" = n."queue_id" WHERE q."team_id" IS NOT NULL) THEN
    WITH "changed" AS (
      SELECT n."id", n."seq", n."status", o."status" AS "old_status", n."dispatch_id", q."team_id" AS "team",
             COALESCE(n."assigned_agent_id", o."assigned_agent_id") AS "agent"
      FROM "new_rows" n JOIN "old_rows" o ON o."id" = n."id"
      JOIN "work_queues" q ON q."id" = n."queue_id"
      WHERE q."team_id" IS NOT NULL
        AND "task_update_event_type"(n."status", o."status", n."stolen_at", o."stolen_at") IS NOT NULL
    )
    INSERT INTO "team_events" ("team_id", "type", "agent", "dispatch_id", "detail")
    SELECT e."team", e."type", e."agent", e."dispatch_id", e."detail"
    FROM (
      SELECT c."team", 'MEMBER_STATE'::"TeamEventType" AS "type", s."name" AS "agent", c."dispatch_id",
             jsonb_build_object('state', s."state", 'taskId', c."id") AS "detail", c."seq", 0 AS "step"
      FROM "changed" c
      JOIN "team_member_states" s ON s."team_id" = c."team" AND s."name" = c."agent"
      WHERE (c."status" IN ('ASSIGNED', 'INPUT_REQUIRED')) <> (c."old_status" IN ('ASSIGNED', 'INPUT_REQUIRED'))
      UNION ALL
      SELECT c."team", 'DISPATCH_PROGRESS', c."agent", c."dispatch_id",
             jsonb_build_object('taskId', c."id", 'taskStatus', c."status"), c."seq", 1
      FROM "changed" c WHERE c."dispatch_id" IS NOT NULL
      ORDER BY "seq", "step"
    ) e;
  END IF;
  RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION "retry_backoff_valid"(b JSONB, complete BOOLEAN) RETURNS BOOLEAN LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN jsonb_typeof(b) = 'object'
     AND NOT EXISTS (SELECT 1 FROM jsonb_object_keys(b) k WHERE k NOT IN ('initialSeconds', 'factor', 'maxSeconds', 'jitter'))
     AND (NOT complete OR b ?& ARRAY['initialSeconds', 'factor', 'maxSeconds', 'jitter'])
     AND (NOT b ? 'initialSeconds' OR (jsonb_typeof(b->'initialSeconds') = 'number' AND (b->>'initialSeconds')::float8 BETWEEN 0 AND 86400))
     AND (NOT b ? 'factor' OR (jsonb_typeof(b->'factor') = 'number' AND (b->>'factor')::float8 BETWEEN 1 AND 10))
     AND (NOT b ? 'maxSeconds' OR (jsonb_typeof(b->'maxSeconds') = 'number' AND (b->>'maxSeconds')::float8 BETWEEN 0 AND 604800))
     AND (NOT b ? 'jitter' OR (jsonb_typeof(b->'jitter') = 'number' AND (b->>'jitter')::float8 BETWEEN 0 AND 1));
END;
$$;

CREATE OR REPLACE FUNCTION "retry_delay"(attempt INT, backoff JSONB) RETURNS INTERVAL LANGUAGE plpgsql AS $$
DECLARE
  d FLOAT8 := LEAST((backoff->>'maxSeconds')::float8,
                    (backoff->>'initialSeconds')::float8 * power((backoff->>'factor')::float8, GREATEST(attempt - 1, 0)));
BEGIN
  RETURN make_interval(secs => d * (1 - (backoff->>'jitter')::float8 * random()));
END;
$$;
