-- A task may be created ASSIGNED: an enqueue hands it straight to a long poll waiting for work
-- on the instance that enqueues (one statement and one commit where a claim would take a
-- second of each). Its events are then CREATED and ASSIGNED, in that order, the ASSIGNED one
-- naming the agent, exactly as when the task is created and then claimed.

CREATE OR REPLACE FUNCTION "apply_task_lifecycle"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" <> 'FAILED' THEN
    NEW."exhausted" := false;
  END IF;
  IF NEW."status" IN ('PENDING', 'BLOCKED') THEN
    NEW."assigned_agent_id" := NULL;
    NEW."assigned_at" := NULL;
    NEW."lease_token" := NULL;
    NEW."lease_expires_at" := NULL;
    NEW."finished_at" := NULL;
  ELSIF NEW."status" = 'ASSIGNED' THEN
    NEW."assigned_at" := now();
    NEW."error" := NULL;
    NEW."finished_at" := NULL;
    -- Handed out: a claim (from PENDING) or a task created for a waiting agent is an attempt.
    IF TG_OP = 'INSERT' THEN
      NEW."attempts" := 1;
    ELSIF OLD."status" = 'PENDING' THEN
      NEW."attempts" := OLD."attempts" + 1;
    END IF;
  ELSIF NEW."status" = 'INPUT_REQUIRED' THEN
    -- The lease stops running while a person answers; the agent keeps the task and its token.
    NEW."lease_expires_at" := NULL;
    NEW."input_requested_at" := now();
    NEW."input_response" := NULL;
    NEW."error" := NULL;
    NEW."finished_at" := NULL;
  ELSE
    NEW."finished_at" := now();
    NEW."lease_token" := NULL;
    NEW."lease_expires_at" := NULL;
  END IF;
  RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION "record_task_inserts"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH "added" AS (
    SELECT n.*, q."team_id" AS "team",
           CASE WHEN n."status" <> 'PENDING' THEN n."status"::text::"TaskEventType" END AS "ev_type"
    FROM "new_rows" n JOIN "work_queues" q ON q."id" = n."queue_id"
  ),
  "task_log" AS (
    INSERT INTO "task_events" ("task_id", "queue_id", "team_id", "type", "agent_id", "detail")
    SELECT e."id", e."queue_id", e."team", e."type", e."agent", e."detail"
    FROM (
      SELECT a."id", a."queue_id", a."team", 'CREATED'::"TaskEventType" AS "type", NULL::text AS "agent",
             jsonb_build_object('priority', a."priority") AS "detail", a."seq", 0 AS "step"
      FROM "added" a
      UNION ALL
      SELECT a."id", a."queue_id", a."team", a."ev_type", a."assigned_agent_id",
             "task_event_detail"(a."ev_type", a."status", a."attempts", a."error", a."stolen_by_queue_id", a."run_at", a."exhausted", a."input_request", a."input_response"), a."seq", 1
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
