-- CreateEnum
CREATE TYPE "DispatchCompletion" AS ENUM ('ALL', 'FIRST');

-- DropIndex
DROP INDEX "tasks_deadline_idx";

-- AlterTable
ALTER TABLE "dispatches" ADD COLUMN     "completion" "DispatchCompletion" NOT NULL DEFAULT 'ALL',
ADD COLUMN     "decided_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "task_dependencies" (
    "task_id" TEXT NOT NULL,
    "depends_on_id" TEXT NOT NULL,

    CONSTRAINT "task_dependencies_pkey" PRIMARY KEY ("task_id","depends_on_id")
);

-- CreateIndex
CREATE INDEX "task_dependencies_depends_on_id_idx" ON "task_dependencies"("depends_on_id");

-- CreateIndex
CREATE INDEX "tasks_deadline_idx" ON "tasks"("deadline") WHERE (deadline IS NOT NULL AND status IN ('BLOCKED', 'PENDING', 'ASSIGNED', 'INPUT_REQUIRED'));

-- CreateIndex
CREATE INDEX "dispatches_decided_idx" ON "dispatches"("decided_at") WHERE (decided_at IS NOT NULL);

-- AddForeignKey
ALTER TABLE "task_dependencies" ADD CONSTRAINT "task_dependencies_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "tasks"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_dependencies" ADD CONSTRAINT "task_dependencies_depends_on_id_fkey" FOREIGN KEY ("depends_on_id") REFERENCES "tasks"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Dependencies and dispatch completion (hand-written below the generated part).
-- BLOCKED: waits for its dependencies; like PENDING it has no agent and no lease.
ALTER TABLE "tasks" DROP CONSTRAINT "tasks_pending_unassigned";
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_pending_unassigned" CHECK (
  "status" NOT IN ('PENDING', 'BLOCKED') OR ("assigned_agent_id" IS NULL AND "assigned_at" IS NULL));
ALTER TABLE "task_dependencies" ADD CONSTRAINT "task_dependencies_not_self" CHECK ("task_id" <> "depends_on_id");
ALTER TABLE "dispatches" ADD CONSTRAINT "dispatches_decided_only_first" CHECK ("decided_at" IS NULL OR "completion" = 'FIRST');

-- What a status change sets and clears, in one place (BLOCKED clears like PENDING).
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

-- Task history: as before; a task created in another status than PENDING (EXPIRED: deadline
-- past; BLOCKED: waiting for dependencies; CANCELLED: a dependency had already failed) records
-- that status too, and BLOCKED → PENDING is UNBLOCKED.
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
    ev_type := CASE WHEN NEW."status" <> 'PENDING' THEN NEW."status"::text::"TaskEventType" END;
  ELSIF NEW."status" = 'ASSIGNED' AND NEW."stolen_at" IS DISTINCT FROM OLD."stolen_at" THEN
    ev_type := 'STOLEN';
  ELSIF NEW."status" = 'ASSIGNED' AND OLD."status" = 'INPUT_REQUIRED' THEN
    ev_type := 'INPUT_PROVIDED';
  ELSIF NEW."status" = 'PENDING' AND OLD."status" = 'BLOCKED' THEN
    ev_type := 'UNBLOCKED';
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

-- What a task's outcome does to the tasks that wait for it, defined once, in the database, in the
-- transaction of the change:
--  * COMPLETED: each BLOCKED dependent whose dependencies have now all completed becomes PENDING.
--    The dependents are row-locked before their dependencies are read, and that read is a new
--    statement (a fresh snapshot): of two dependencies completing at once, the second to take
--    the lock sees the first committed, so a dependent is never left BLOCKED.
--  * FAILED, EXPIRED, CANCELLED: every BLOCKED task that waits for it, directly or through others,
--    is CANCELLED in one statement, naming the dependency that ended it (a chain of any length
--    costs one recursive statement, not one trigger level per link).
--  * COMPLETED in a FIRST dispatch: the dispatch is decided and its other live tasks cancelled
--    (those locked at that instant by a claim or a finish are skipped, not waited for, so two
--    members completing at once cannot deadlock; the sweeper cancels them shortly after).
CREATE FUNCTION "propagate_task_outcome"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" = 'COMPLETED' THEN
    IF EXISTS (SELECT 1 FROM "task_dependencies" d WHERE d."depends_on_id" = NEW."id") THEN
      PERFORM 1 FROM "tasks" t JOIN "task_dependencies" d ON d."task_id" = t."id"
        WHERE d."depends_on_id" = NEW."id" AND t."status" = 'BLOCKED'
        ORDER BY t."id" FOR UPDATE OF t;
      UPDATE "tasks" t SET "status" = 'PENDING'
        FROM "task_dependencies" d
        WHERE d."depends_on_id" = NEW."id" AND t."id" = d."task_id" AND t."status" = 'BLOCKED'
          AND NOT EXISTS (
            SELECT 1 FROM "task_dependencies" o JOIN "tasks" dep ON dep."id" = o."depends_on_id"
            WHERE o."task_id" = t."id" AND dep."status" <> 'COMPLETED');
    END IF;
    IF NEW."dispatch_id" IS NOT NULL THEN
      UPDATE "dispatches" SET "decided_at" = COALESCE("decided_at", now())
        WHERE "id" = NEW."dispatch_id" AND "completion" = 'FIRST';
      IF FOUND THEN
        UPDATE "tasks" t SET "status" = 'CANCELLED', "error" = 'dispatch completed by task ' || NEW."id"
          FROM (SELECT s."id" FROM "tasks" s
                WHERE s."dispatch_id" = NEW."dispatch_id" AND s."id" <> NEW."id"
                  AND s."status" IN ('BLOCKED', 'PENDING', 'ASSIGNED', 'INPUT_REQUIRED')
                FOR UPDATE SKIP LOCKED) losers
          WHERE t."id" = losers."id";
      END IF;
    END IF;
  ELSIF NEW."status" IN ('FAILED', 'EXPIRED', 'CANCELLED')
        AND EXISTS (SELECT 1 FROM "task_dependencies" d JOIN "tasks" t ON t."id" = d."task_id"
                    WHERE d."depends_on_id" = NEW."id" AND t."status" = 'BLOCKED') THEN
    WITH RECURSIVE "doomed"("id", "cause") AS (
      SELECT d."task_id", NEW."id" FROM "task_dependencies" d WHERE d."depends_on_id" = NEW."id"
      UNION
      SELECT d."task_id", doomed."id" FROM "task_dependencies" d JOIN "doomed" ON d."depends_on_id" = doomed."id"
    )
    UPDATE "tasks" t
    SET "status" = 'CANCELLED',
        "error" = 'dependency ' || doomed."cause" || CASE WHEN doomed."cause" = NEW."id"
                                                          THEN ' ended ' || NEW."status"::text
                                                          ELSE ' was cancelled' END
    FROM "doomed"
    WHERE t."id" = doomed."id" AND t."status" = 'BLOCKED';
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "tasks_propagate_outcome" AFTER UPDATE OF "status" ON "tasks"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status"
                     AND NEW."status" IN ('COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED'))
  EXECUTE FUNCTION "propagate_task_outcome"();
