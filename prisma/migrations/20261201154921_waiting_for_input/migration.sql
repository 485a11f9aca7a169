-- DropIndex
DROP INDEX "tasks_deadline_idx";

-- DropIndex
DROP INDEX "tasks_assigned_idx";

-- AlterTable
ALTER TABLE "tasks" ADD COLUMN     "input_request" JSONB,
ADD COLUMN     "input_requested_at" TIMESTAMPTZ(3),
ADD COLUMN     "input_response" JSONB;

-- CreateIndex
CREATE INDEX "tasks_deadline_idx" ON "tasks"("deadline") WHERE (deadline IS NOT NULL AND status IN ('PENDING', 'ASSIGNED', 'INPUT_REQUIRED'));

-- CreateIndex
CREATE INDEX "tasks_awaiting_input_idx" ON "tasks"("input_requested_at") WHERE (status = 'INPUT_REQUIRED');

-- CreateIndex
CREATE INDEX "tasks_assigned_idx" ON "tasks"("queue_id", "assigned_agent_id") WHERE (status IN ('ASSIGNED', 'INPUT_REQUIRED'));

-- Waiting for input (hand-written below the generated part). INPUT_REQUIRED: the agent still
-- holds the task (agent and lease token kept, so it may still fail it), but no lease runs (no
-- expiry); the deadline still applies. provideInput makes it ASSIGNED again under a fresh token.
ALTER TABLE "tasks"
  DROP CONSTRAINT "tasks_lease_iff_assigned",
  DROP CONSTRAINT "tasks_assigned_has_agent",
  DROP CONSTRAINT "tasks_error_by_status";
ALTER TABLE "tasks"
  ADD CONSTRAINT "tasks_lease_iff_assigned" CHECK (
    ("status" IN ('ASSIGNED', 'INPUT_REQUIRED')) = ("lease_token" IS NOT NULL)
    AND ("status" = 'ASSIGNED') = ("lease_expires_at" IS NOT NULL)),
  ADD CONSTRAINT "tasks_assigned_has_agent" CHECK (
    "status" NOT IN ('ASSIGNED', 'INPUT_REQUIRED') OR ("assigned_agent_id" IS NOT NULL AND "assigned_at" IS NOT NULL)),
  ADD CONSTRAINT "tasks_error_by_status" CHECK (CASE
    WHEN "status" IN ('ASSIGNED', 'INPUT_REQUIRED', 'COMPLETED') THEN "error" IS NULL
    WHEN "status" IN ('FAILED', 'EXPIRED', 'CANCELLED') THEN "error" IS NOT NULL
    ELSE true END),
  ADD CONSTRAINT "tasks_input_request_when_waiting" CHECK (
    "status" <> 'INPUT_REQUIRED' OR ("input_request" IS NOT NULL AND "input_requested_at" IS NOT NULL));

-- What a status change sets and clears, in one place.
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

-- A member is BUSY while it holds a task: running it, or waiting for input on it (it resumes it).
CREATE OR REPLACE VIEW "team_member_states" AS
SELECT m."team_id", m."name", m."position", m."read_seq", m."last_seen_at", m."joined_at",
       cur."id" AS "current_task_id",
       CASE WHEN t."status" = 'STOPPED' THEN 'STOPPED'
            WHEN cur."id" IS NOT NULL THEN 'BUSY'
            ELSE 'IDLE' END AS "state"
FROM "team_members" m
JOIN "teams" t ON t."id" = m."team_id"
LEFT JOIN LATERAL (
  SELECT k."id" FROM "tasks" k JOIN "work_queues" q ON q."id" = k."queue_id"
  WHERE q."team_id" = m."team_id" AND k."status" IN ('ASSIGNED', 'INPUT_REQUIRED') AND k."assigned_agent_id" = m."name"
  ORDER BY k."assigned_at", k."id"
  LIMIT 1
) cur ON true;

-- Task history: as before, plus INPUT_REQUIRED (with the request) and INPUT_PROVIDED (with the
-- response); member state events when holding a task starts or ends.
CREATE OR REPLACE FUNCTION "record_task_event"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ev_type "TaskEventType";
  agent TEXT;
  team TEXT;
  was_held BOOLEAN;
  is_held BOOLEAN;
BEGIN
  SELECT q."team_id" INTO team FROM "work_queues" q WHERE q."id" = NEW."queue_id";
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "task_events" ("task_id", "queue_id", "team_id", "type", "detail")
      VALUES (NEW."id", NEW."queue_id", team, 'CREATED', jsonb_build_object('priority', NEW."priority"));
    -- A task created EXPIRED (deadline already past) records that too.
    ev_type := CASE WHEN NEW."status" = 'EXPIRED' THEN 'EXPIRED'::"TaskEventType" END;
  ELSIF NEW."status" = 'ASSIGNED' AND NEW."stolen_at" IS DISTINCT FROM OLD."stolen_at" THEN
    ev_type := 'STOLEN';
  ELSIF NEW."status" = 'ASSIGNED' AND OLD."status" = 'INPUT_REQUIRED' THEN
    ev_type := 'INPUT_PROVIDED';
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
          'exhausted', CASE WHEN NEW."exhausted" THEN true END,
          'request', CASE WHEN ev_type = 'INPUT_REQUIRED' THEN NEW."input_request" END,
          'response', CASE WHEN ev_type = 'INPUT_PROVIDED' THEN NEW."input_response" END
        )));
  END IF;

  IF team IS NULL THEN
    RETURN NULL;
  END IF;
  is_held := NEW."status" IN ('ASSIGNED', 'INPUT_REQUIRED');
  was_held := TG_OP = 'UPDATE' AND OLD."status" IN ('ASSIGNED', 'INPUT_REQUIRED');
  IF agent IS NOT NULL AND TG_OP = 'UPDATE' AND is_held <> was_held THEN
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
