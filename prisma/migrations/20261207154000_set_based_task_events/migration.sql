-- Task history written once per statement instead of once per row: a batch claim or complete of
-- 100 tasks ran the plpgsql event trigger 100 times (about half the statement's time); now one
-- set-based INSERT per log covers every row the statement changed. What is recorded is unchanged
-- (the event types, details and team events of the row trigger of 20261201155708), in the same
-- order for each task (rows in insertion order, CREATED before a new task's first status).

DROP TRIGGER "tasks_record_created" ON "tasks";
DROP TRIGGER "tasks_record_status_change" ON "tasks";
DROP FUNCTION "record_task_event"();

-- The event an update records, or NULL when it changed neither status nor stolen_at.
CREATE FUNCTION "task_update_event_type"(status "TaskStatus", old_status "TaskStatus", stolen_at TIMESTAMPTZ, old_stolen_at TIMESTAMPTZ)
RETURNS "TaskEventType" LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN status IS NOT DISTINCT FROM old_status AND stolen_at IS NOT DISTINCT FROM old_stolen_at THEN NULL
    WHEN status = 'ASSIGNED' AND stolen_at IS DISTINCT FROM old_stolen_at THEN 'STOLEN'
    WHEN status = 'ASSIGNED' AND old_status = 'INPUT_REQUIRED' THEN 'INPUT_PROVIDED'
    WHEN status = 'PENDING' AND old_status = 'BLOCKED' THEN 'UNBLOCKED'
    WHEN status = 'PENDING' AND old_status IN ('COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED') THEN 'RETRIED'
    WHEN status = 'PENDING' THEN 'REQUEUED'
    ELSE status::text::"TaskEventType"
  END
$$;

-- What an event of type `ev` says about the task as it now is.
-- (Transition-table rows are records, not "tasks", hence the columns one by one.)
CREATE FUNCTION "task_event_detail"(ev "TaskEventType", status "TaskStatus", attempts INT, error TEXT, stolen_by_queue_id TEXT,
                                    run_at TIMESTAMPTZ, exhausted BOOLEAN, input_request JSONB, input_response JSONB)
RETURNS JSONB LANGUAGE sql STABLE AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object(
    'attempt', attempts,
    'error', CASE WHEN ev <> 'RETRIED' THEN error END,
    'stolenByQueueId', CASE WHEN ev = 'STOLEN' THEN stolen_by_queue_id END,
    'runAt', CASE WHEN status = 'PENDING' AND run_at > now() THEN run_at END,
    'exhausted', CASE WHEN exhausted THEN true END,
    'request', CASE WHEN ev = 'INPUT_REQUIRED' THEN input_request END,
    'response', CASE WHEN ev = 'INPUT_PROVIDED' THEN input_response END))
$$;

-- New tasks: CREATED, then the status when it is not PENDING (EXPIRED: deadline past; BLOCKED:
-- waiting for dependencies; CANCELLED: a dependency had already failed); dispatch progress.
CREATE FUNCTION "record_task_inserts"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH "added" AS (
    SELECT n.*, q."team_id" AS "team",
           CASE WHEN n."status" <> 'PENDING' THEN n."status"::text::"TaskEventType" END AS "ev_type"
    FROM "new_rows" n JOIN "work_queues" q ON q."id" = n."queue_id"
  ),
  "task_log" AS (
    INSERT INTO "task_events" ("task_id", "queue_id", "team_id", "type", "detail")
    SELECT e."id", e."queue_id", e."team", e."type", e."detail"
    FROM (
      SELECT a."id", a."queue_id", a."team", 'CREATED'::"TaskEventType" AS "type", jsonb_build_object('priority', a."priority") AS "detail", a."seq", 0 AS "step"
      FROM "added" a
      UNION ALL
      SELECT a."id", a."queue_id", a."team", a."ev_type", "task_event_detail"(a."ev_type", a."status", a."attempts", a."error", a."stolen_by_queue_id", a."run_at", a."exhausted", a."input_request", a."input_response"), a."seq", 1
      FROM "added" a WHERE a."ev_type" IS NOT NULL
      ORDER BY "seq", "step"
    ) e
  )
  INSERT INTO "team_events" ("team_id", "type", "dispatch_id", "detail")
  SELECT a."team", 'DISPATCH_PROGRESS', a."dispatch_id", jsonb_build_object('taskId', a."id", 'taskStatus', a."status")
  FROM "added" a WHERE a."team" IS NOT NULL AND a."dispatch_id" IS NOT NULL
  ORDER BY a."seq";
  RETURN NULL;
END;
$$;

-- Changed tasks: the event of each change; for a team queue also a member going busy or idle
-- (its state as the statement left it) and the progress of its dispatch.
CREATE FUNCTION "record_task_updates"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH "changed" AS (
    SELECT c.*, q."team_id" AS "team" FROM (
      SELECT n.*, o."status" AS "old_status",
             COALESCE(n."assigned_agent_id", o."assigned_agent_id") AS "agent",
             "task_update_event_type"(n."status", o."status", n."stolen_at", o."stolen_at") AS "ev_type"
      FROM "new_rows" n JOIN "old_rows" o ON o."id" = n."id"
    ) c
    JOIN "work_queues" q ON q."id" = c."queue_id"
    WHERE c."ev_type" IS NOT NULL
  ),
  "task_log" AS (
    INSERT INTO "task_events" ("task_id", "queue_id", "team_id", "type", "agent_id", "detail")
    SELECT c."id", c."queue_id", c."team", c."ev_type", c."agent", "task_event_detail"(c."ev_type", c."status", c."attempts", c."error", c."stolen_by_queue_id", c."run_at", c."exhausted", c."input_request", c."input_response")
    FROM "changed" c ORDER BY c."seq"
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
    FROM "changed" c WHERE c."team" IS NOT NULL AND c."dispatch_id" IS NOT NULL
    ORDER BY "seq", "step"
  ) e;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "tasks_record_inserts" AFTER INSERT ON "tasks"
  REFERENCING NEW TABLE AS "new_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "record_task_inserts"();
CREATE TRIGGER "tasks_record_updates" AFTER UPDATE ON "tasks"
  REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "record_task_updates"();

-- The task log's reference to its queue is no foreign key any more: each event row's key check
-- took a KEY SHARE lock on the queue's row, so concurrent agents of one queue turned every claim
-- and complete into a new MultiXact on that one hot row. Event rows are written only by the
-- triggers above, from the task's own queue, and queues are never deleted (only marked deleted),
-- so the reference stays valid; the task reference (a row the same statement just changed, no
-- contention) keeps its key.
ALTER TABLE "task_events" DROP CONSTRAINT "task_events_queue_id_fkey";
