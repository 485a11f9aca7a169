-- Core reshaping: the queue ↔ team link becomes a real foreign key (the free-text group moves to
-- steal_group), the task lifecycle is defined once in the database (CHECK constraints plus one
-- trigger that sets and clears what each status implies), and events are no longer announced with
-- NOTIFY inside the changing transaction: servers tail the event tables after commit instead.

-- 1. Queue ↔ team. `team_id` was both the stealing group and, when it named one of the owner's
--    teams, the team link. The group keeps its text; the link becomes a foreign key.
DROP INDEX "work_queues_group_idx";
ALTER TABLE "work_queues" RENAME COLUMN "team_id" TO "steal_group";
ALTER TABLE "work_queues" ADD COLUMN "team_id" TEXT;
UPDATE "work_queues" q SET "team_id" = t."id"
  FROM "teams" t WHERE t."id" = q."steal_group" AND t."owner_id" = q."owner_id";
-- Deferred: a team and its own queue reference each other and are created in one transaction.
ALTER TABLE "work_queues" ADD CONSTRAINT "work_queues_team_id_fkey" FOREIGN KEY ("team_id")
  REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX "work_queues_group_idx" ON "work_queues"("owner_id", "steal_group") WHERE (deleted_at IS NULL);
CREATE INDEX "work_queues_team_idx" ON "work_queues"("team_id") WHERE (team_id IS NOT NULL);

-- "Closed" (no new work, no retries) defined once: a deleted queue or a stopped team.
CREATE FUNCTION "queue_closed_reason"(deleted_at TIMESTAMPTZ, team_status "TeamStatus") RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN deleted_at IS NOT NULL THEN 'queue deleted' WHEN team_status = 'STOPPED' THEN 'team stopped' END
$$;

-- 2. Events: no NOTIFY in the changing transaction any more (PostgreSQL serialises the commits of
--    notifying transactions). Task events carry their team; messages get a global insert order.
DROP TRIGGER "tasks_record_created" ON "tasks";
DROP TRIGGER "tasks_record_status_change" ON "tasks";
DROP TRIGGER "messages_announce" ON "messages";
DROP FUNCTION "announce_message"();
ALTER TABLE "task_events" ADD COLUMN "team_id" TEXT;
UPDATE "task_events" e SET "team_id" = q."team_id" FROM "work_queues" q WHERE q."id" = e."queue_id" AND q."team_id" IS NOT NULL;
CREATE INDEX "task_events_team_idx" ON "task_events"("team_id", "id") WHERE (team_id IS NOT NULL);
ALTER TABLE "messages" ADD COLUMN "log_id" BIGSERIAL NOT NULL;
CREATE UNIQUE INDEX "messages_log_id_key" ON "messages"("log_id");

-- 3. Rows written by the previous release are brought into the lifecycle before it is enforced.
UPDATE "tasks" SET "finished_at" = COALESCE("finished_at", "completed_at", "failed_at", "created_at")
  WHERE "status" IN ('COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED');
UPDATE "tasks" SET "finished_at" = "created_at" WHERE "finished_at" < "created_at";
UPDATE "tasks" SET "finished_at" = NULL WHERE "status" IN ('PENDING', 'ASSIGNED');
UPDATE "tasks" SET "assigned_agent_id" = NULL, "assigned_at" = NULL WHERE "status" = 'PENDING';
UPDATE "tasks" SET "lease_token" = NULL, "lease_expires_at" = NULL WHERE "status" <> 'ASSIGNED';
UPDATE "tasks" SET "lease_token" = COALESCE("lease_token", md5("id")),
                   "lease_expires_at" = COALESCE("lease_expires_at", now()),
                   "assigned_agent_id" = COALESCE("assigned_agent_id", 'unknown'),
                   "assigned_at" = COALESCE("assigned_at", "created_at")
  WHERE "status" = 'ASSIGNED';
UPDATE "tasks" SET "error" = NULL WHERE "status" IN ('ASSIGNED', 'COMPLETED');
UPDATE "tasks" SET "error" = lower("status"::text) WHERE "error" IS NULL AND "status" IN ('FAILED', 'EXPIRED', 'CANCELLED');
UPDATE "tasks" SET "result" = NULL WHERE "status" <> 'COMPLETED';
UPDATE "tasks" SET "max_attempts" = LEAST(GREATEST("max_attempts", 1), 100);
UPDATE "tasks" SET "attempts" = LEAST(GREATEST("attempts", 0), "max_attempts");
UPDATE "tasks" SET "stolen_at" = NULL WHERE "stolen_by_queue_id" IS NULL;
UPDATE "tasks" SET "stolen_by_queue_id" = NULL WHERE "stolen_at" IS NULL;
ALTER TABLE "tasks" DROP COLUMN "completed_at", DROP COLUMN "failed_at";

-- 4. The task lifecycle. PENDING → ASSIGNED → COMPLETED | FAILED; PENDING | ASSIGNED → EXPIRED |
--    CANCELLED; ASSIGNED → PENDING (requeue). What each status implies is checked here, so no
--    statement can leave a row in an impossible state.
ALTER TABLE "tasks"
  ADD CONSTRAINT "tasks_priority_range" CHECK ("priority" BETWEEN 1 AND 5),
  ADD CONSTRAINT "tasks_attempts_range" CHECK ("max_attempts" BETWEEN 1 AND 100 AND "attempts" BETWEEN 0 AND "max_attempts"),
  ADD CONSTRAINT "tasks_name_length" CHECK (char_length("name") BETWEEN 1 AND 500),
  ADD CONSTRAINT "tasks_lease_iff_assigned" CHECK (
    ("status" = 'ASSIGNED') = ("lease_token" IS NOT NULL) AND ("lease_token" IS NULL) = ("lease_expires_at" IS NULL)),
  ADD CONSTRAINT "tasks_assigned_has_agent" CHECK (
    "status" <> 'ASSIGNED' OR ("assigned_agent_id" IS NOT NULL AND "assigned_at" IS NOT NULL)),
  ADD CONSTRAINT "tasks_pending_unassigned" CHECK (
    "status" <> 'PENDING' OR ("assigned_agent_id" IS NULL AND "assigned_at" IS NULL)),
  ADD CONSTRAINT "tasks_finished_iff_final" CHECK (
    ("status" IN ('COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED')) = ("finished_at" IS NOT NULL)
    AND "finished_at" >= "created_at"),
  ADD CONSTRAINT "tasks_result_only_completed" CHECK ("status" = 'COMPLETED' OR "result" IS NULL),
  ADD CONSTRAINT "tasks_error_by_status" CHECK (CASE
    WHEN "status" IN ('ASSIGNED', 'COMPLETED') THEN "error" IS NULL
    WHEN "status" IN ('FAILED', 'EXPIRED', 'CANCELLED') THEN "error" IS NOT NULL
    ELSE true END),
  ADD CONSTRAINT "tasks_stolen_pair" CHECK (("stolen_at" IS NULL) = ("stolen_by_queue_id" IS NULL));

UPDATE "teams" SET "stopped_at" = COALESCE("stopped_at", "created_at") WHERE "status" = 'STOPPED';
UPDATE "teams" SET "stopped_at" = NULL WHERE "status" = 'ACTIVE';
ALTER TABLE "teams"
  ADD CONSTRAINT "teams_size_range" CHECK ("size" BETWEEN 1 AND 10),
  ADD CONSTRAINT "teams_stopped_iff_stopped_at" CHECK (("status" = 'STOPPED') = ("stopped_at" IS NOT NULL));
ALTER TABLE "work_queues"
  ADD CONSTRAINT "work_queues_lease_range" CHECK ("visibility_timeout_seconds" BETWEEN 1 AND 86400),
  ADD CONSTRAINT "work_queues_attempts_range" CHECK ("max_attempts" BETWEEN 1 AND 100);

-- What a status change sets and clears, in one place: statements only say the new status and
-- what is new about it (agent and lease, result, error).
CREATE FUNCTION "apply_task_lifecycle"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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

CREATE TRIGGER "tasks_lifecycle_insert" BEFORE INSERT ON "tasks"
  FOR EACH ROW EXECUTE FUNCTION "apply_task_lifecycle"();
CREATE TRIGGER "tasks_lifecycle_update" BEFORE UPDATE OF "status" ON "tasks"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status")
  EXECUTE FUNCTION "apply_task_lifecycle"();

-- A member's state, defined once: BUSY while it holds an ASSIGNED task in one of its team's
-- queues, STOPPED once the team stopped, IDLE otherwise.
CREATE VIEW "team_member_states" AS
SELECT m."team_id", m."name", m."position", m."read_seq", m."last_seen_at", m."joined_at",
       cur."id" AS "current_task_id",
       CASE WHEN t."status" = 'STOPPED' THEN 'STOPPED'
            WHEN cur."id" IS NOT NULL THEN 'BUSY'
            ELSE 'IDLE' END AS "state"
FROM "team_members" m
JOIN "teams" t ON t."id" = m."team_id"
LEFT JOIN LATERAL (
  SELECT k."id" FROM "tasks" k JOIN "work_queues" q ON q."id" = k."queue_id"
  WHERE q."team_id" = m."team_id" AND k."status" = 'ASSIGNED' AND k."assigned_agent_id" = m."name"
  ORDER BY k."assigned_at", k."id"
  LIMIT 1
) cur ON true;

CREATE OR REPLACE FUNCTION "record_team_event"(p_team TEXT, p_type "TeamEventType", p_agent TEXT, p_dispatch TEXT, p_detail JSONB)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO "team_events" ("team_id", "type", "agent", "dispatch_id", "detail")
    VALUES (p_team, p_type, p_agent, p_dispatch, p_detail)
$$;

-- Task history: one task_events row per state change, written by the database itself so no
-- statement can change a task without recording it. For a team queue the change is also a team
-- event: a member going busy or idle, and the progress of its dispatch.
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
          'error', NEW."error",
          'stolenByQueueId', CASE WHEN ev_type = 'STOLEN' THEN NEW."stolen_by_queue_id" END
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

CREATE TRIGGER "tasks_record_created" AFTER INSERT ON "tasks"
  FOR EACH ROW EXECUTE FUNCTION "record_task_event"();
CREATE TRIGGER "tasks_record_status_change" AFTER UPDATE OF "status", "stolen_at" ON "tasks"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status" OR OLD."stolen_at" IS DISTINCT FROM NEW."stolen_at")
  EXECUTE FUNCTION "record_task_event"();

-- 5. Fewer index writes per task update: optional columns are indexed only where set, and the
--    insertion order (seq) needs no unique index of its own (it comes from a sequence).
DROP INDEX "tasks_dispatch_id_idx";
DROP INDEX "tasks_queue_id_idempotency_key_key";
DROP INDEX "tasks_seq_key";
CREATE INDEX "tasks_dispatch_id_idx" ON "tasks"("dispatch_id") WHERE (dispatch_id IS NOT NULL);
CREATE UNIQUE INDEX "tasks_queue_id_idempotency_key_key" ON "tasks"("queue_id", "idempotency_key") WHERE (idempotency_key IS NOT NULL);
