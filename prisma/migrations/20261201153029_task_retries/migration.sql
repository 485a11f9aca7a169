-- AlterEnum
ALTER TYPE "TaskEventType" ADD VALUE 'RETRIED';

-- AlterTable
ALTER TABLE "work_queues" ADD COLUMN     "retry_backoff" JSONB NOT NULL DEFAULT '{"initialSeconds": 10, "factor": 2, "maxSeconds": 3600, "jitter": 0.2}';

-- AlterTable
ALTER TABLE "tasks" ADD COLUMN     "exhausted" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "retry_backoff" JSONB,
ADD COLUMN     "run_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "tasks_delayed_idx" ON "tasks"("queue_id", "run_at") WHERE (status = 'PENDING' AND run_at IS NOT NULL);

-- Retries with backoff and dead letters (hand-written below the generated part).

-- A backoff is {initialSeconds, factor, maxSeconds, jitter}; a queue holds a complete one, a task
-- may override some of its keys. Checked here so no statement can store one the delay cannot use.
CREATE FUNCTION "retry_backoff_valid"(b JSONB, complete BOOLEAN) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_typeof(b) = 'object'
     AND NOT EXISTS (SELECT 1 FROM jsonb_object_keys(b) k WHERE k NOT IN ('initialSeconds', 'factor', 'maxSeconds', 'jitter'))
     AND (NOT complete OR b ?& ARRAY['initialSeconds', 'factor', 'maxSeconds', 'jitter'])
     AND (NOT b ? 'initialSeconds' OR (jsonb_typeof(b->'initialSeconds') = 'number' AND (b->>'initialSeconds')::float8 BETWEEN 0 AND 86400))
     AND (NOT b ? 'factor' OR (jsonb_typeof(b->'factor') = 'number' AND (b->>'factor')::float8 BETWEEN 1 AND 10))
     AND (NOT b ? 'maxSeconds' OR (jsonb_typeof(b->'maxSeconds') = 'number' AND (b->>'maxSeconds')::float8 BETWEEN 0 AND 604800))
     AND (NOT b ? 'jitter' OR (jsonb_typeof(b->'jitter') = 'number' AND (b->>'jitter')::float8 BETWEEN 0 AND 1))
$$;

ALTER TABLE "work_queues" ADD CONSTRAINT "work_queues_retry_backoff_valid" CHECK ("retry_backoff_valid"("retry_backoff", true));
ALTER TABLE "tasks"
  ADD CONSTRAINT "tasks_retry_backoff_valid" CHECK ("retry_backoff" IS NULL OR "retry_backoff_valid"("retry_backoff", false)),
  ADD CONSTRAINT "tasks_exhausted_only_failed" CHECK (NOT "exhausted" OR "status" = 'FAILED');

-- The delay before the next attempt, defined once: after attempt n (1-based),
-- min(maxSeconds, initialSeconds × factor^(n−1)), shortened by up to `jitter` of it at random so
-- tasks that failed together do not all come back together.
CREATE FUNCTION "retry_delay"(attempt INT, backoff JSONB) RETURNS INTERVAL
LANGUAGE sql VOLATILE AS $$
  SELECT make_interval(secs => d * (1 - (backoff->>'jitter')::float8 * random()))
  FROM (SELECT LEAST((backoff->>'maxSeconds')::float8,
                     (backoff->>'initialSeconds')::float8 * power((backoff->>'factor')::float8, GREATEST(attempt - 1, 0))) AS d) x
$$;

-- What a status change sets and clears, in one place (as before, plus: only a FAILED task is
-- exhausted).
CREATE OR REPLACE FUNCTION "apply_task_lifecycle"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" <> 'FAILED' THEN
    NEW."exhausted" := false;
  END IF;
  IF NEW."status" = 'PENDING' THEN
    NEW."assigned_agent_id" := NULL;
    NEW."assigned_at" := NULL;
    NEW."lease_token" := NULL;
    NEW."lease_expires_at" := NULL;
    NEW."finished_at" := NULL;
  ELSIF NEW."status" = 'ASSIGNED' THEN
    NEW."assigned_at" := now();
    NEW."error" := NULL;
    NEW."finished_at" := NULL;
    IF TG_OP = 'UPDATE' AND OLD."status" = 'PENDING' THEN
      NEW."attempts" := OLD."attempts" + 1;
    END IF;
  ELSE
    NEW."finished_at" := now();
    NEW."lease_token" := NULL;
    NEW."lease_expires_at" := NULL;
  END IF;
  RETURN NEW;
END;
$$;

-- Task history as before; a requeue records when the task is due again (its backoff), a failure
-- whether its attempts ran out, and a finished task sent back to PENDING is RETRIED (a redrive).
CREATE OR REPLACE FUNCTION "record_task_event"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ev_type "TaskEventType";
  agent TEXT;
  team TEXT;
BEGIN
  SELECT q."team_id" INTO team FROM "work_queues" q WHERE q."id" = NEW."queue_id";
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "task_events" ("task_id", "queue_id", "team_id", "type", "detail")
      VALUES (NEW."id", NEW."queue_id", team, 'CREATED', jsonb_build_object('priority', NEW."priority"));
    -- A task created EXPIRED (deadline already past) records that too.
    ev_type := CASE WHEN NEW."status" = 'EXPIRED' THEN 'EXPIRED'::"TaskEventType" END;
  ELSIF NEW."status" = 'ASSIGNED' AND NEW."stolen_at" IS DISTINCT FROM OLD."stolen_at" THEN
    ev_type := 'STOLEN';
  ELSIF NEW."status" = 'PENDING' AND OLD."status" IN ('COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED') THEN
    ev_type := 'RETRIED';
  ELSIF NEW."status" = 'PENDING' THEN
    ev_type := 'REQUEUED';
  ELSE
    ev_type := NEW."status"::text::"TaskEventType";
  END IF;
  agent := COALESCE(NEW."assigned_agent_id", CASE WHEN TG_OP = 'UPDATE' THEN OLD."assigned_agent_id" END);
  IF ev_type IS NOT NULL THEN
    INSERT INTO "task_events" ("task_id", "queue_id", "team_id", "type", "agent_id", "detail")
      VALUES (
        NEW."id", NEW."queue_id", team, ev_type, agent,
        jsonb_strip_nulls(jsonb_build_object(
          'attempt', NEW."attempts",
          'error', CASE WHEN ev_type <> 'RETRIED' THEN NEW."error" END,
          'stolenByQueueId', CASE WHEN ev_type = 'STOLEN' THEN NEW."stolen_by_queue_id" END,
          'runAt', CASE WHEN NEW."status" = 'PENDING' AND NEW."run_at" > now() THEN NEW."run_at" END,
          'exhausted', CASE WHEN NEW."exhausted" THEN true END
        )));
  END IF;

  IF team IS NULL THEN
    RETURN NULL;
  END IF;
  IF agent IS NOT NULL AND TG_OP = 'UPDATE' AND (NEW."status" = 'ASSIGNED' OR OLD."status" = 'ASSIGNED') THEN
    PERFORM "record_team_event"(team, 'MEMBER_STATE', s."name", NEW."dispatch_id",
                                jsonb_build_object('state', s."state", 'taskId', NEW."id"))
      FROM "team_member_states" s WHERE s."team_id" = team AND s."name" = agent;
  END IF;
  IF NEW."dispatch_id" IS NOT NULL THEN
    PERFORM "record_team_event"(team, 'DISPATCH_PROGRESS', agent, NEW."dispatch_id",
      jsonb_build_object('taskId', NEW."id", 'taskStatus', NEW."status"));
  END IF;
  RETURN NULL;
END;
$$;
