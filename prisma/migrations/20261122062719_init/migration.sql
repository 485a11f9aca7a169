-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "TaskStatus" AS ENUM ('PENDING', 'ASSIGNED', 'COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "TaskEventType" AS ENUM ('CREATED', 'ASSIGNED', 'STOLEN', 'COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED', 'REQUEUED');

-- CreateEnum
CREATE TYPE "TeamStatus" AS ENUM ('ACTIVE', 'STOPPED');

-- CreateEnum
CREATE TYPE "TeamEventType" AS ENUM ('MEMBER_STATE', 'MEMBER_ADDED', 'DISPATCH_PROGRESS', 'TEAM_STOPPED');

-- CreateTable
CREATE TABLE "owners" (
    "id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "owners_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "teams" (
    "id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "model" TEXT,
    "mode" TEXT,
    "system_prompt" TEXT,
    "status" "TeamStatus" NOT NULL DEFAULT 'ACTIVE',
    "queue_id" TEXT NOT NULL,
    "message_seq" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stopped_at" TIMESTAMPTZ(3),

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "team_members" (
    "team_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "read_seq" INTEGER NOT NULL DEFAULT 0,
    "last_seen_at" TIMESTAMPTZ(3),
    "joined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "team_members_pkey" PRIMARY KEY ("team_id","name")
);

-- CreateTable
CREATE TABLE "work_queues" (
    "id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "team_id" TEXT,
    "visibility_timeout_seconds" INTEGER NOT NULL DEFAULT 300,
    "max_attempts" INTEGER NOT NULL DEFAULT 3,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "work_queues_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tasks" (
    "id" TEXT NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "queue_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "priority" INTEGER NOT NULL DEFAULT 3,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "status" "TaskStatus" NOT NULL DEFAULT 'PENDING',
    "deadline" TIMESTAMPTZ(3),
    "idempotency_key" TEXT,
    "assigned_agent_id" TEXT,
    "lease_token" TEXT,
    "lease_expires_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 3,
    "result" JSONB,
    "error" TEXT,
    "stolen_by_queue_id" TEXT,
    "stolen_at" TIMESTAMPTZ(3),
    "reserved_for" TEXT,
    "dispatch_id" TEXT,
    "max_runtime_seconds" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "assigned_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "tasks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "task_events" (
    "id" BIGSERIAL NOT NULL,
    "task_id" TEXT NOT NULL,
    "queue_id" TEXT NOT NULL,
    "type" "TaskEventType" NOT NULL,
    "agent_id" TEXT,
    "detail" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "task_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dispatches" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "task" TEXT NOT NULL,
    "tools" TEXT[],
    "parallel" BOOLEAN NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dispatches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messages" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "from_agent" TEXT NOT NULL,
    "to_agent" TEXT,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "team_events" (
    "id" BIGSERIAL NOT NULL,
    "team_id" TEXT NOT NULL,
    "type" "TeamEventType" NOT NULL,
    "agent" TEXT,
    "dispatch_id" TEXT,
    "detail" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "team_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "teams_queue_id_key" ON "teams"("queue_id");

-- CreateIndex
CREATE INDEX "teams_owner_id_created_at_idx" ON "teams"("owner_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "teams_active_name_key" ON "teams"("owner_id", "name") WHERE (status = 'ACTIVE');

-- CreateIndex
CREATE UNIQUE INDEX "team_members_team_id_position_key" ON "team_members"("team_id", "position");

-- CreateIndex
CREATE INDEX "work_queues_owner_idx" ON "work_queues"("owner_id", "created_at") WHERE (deleted_at IS NULL);

-- CreateIndex
CREATE INDEX "work_queues_group_idx" ON "work_queues"("owner_id", "team_id") WHERE (deleted_at IS NULL);

-- CreateIndex
CREATE INDEX "tasks_claimable_idx" ON "tasks"("queue_id", "priority" DESC, "seq") WHERE (status = 'PENDING');

-- CreateIndex
CREATE INDEX "tasks_queue_status_idx" ON "tasks"("queue_id", "status", "seq");

-- CreateIndex
CREATE INDEX "tasks_lease_idx" ON "tasks"("lease_expires_at") WHERE (status = 'ASSIGNED');

-- CreateIndex
CREATE INDEX "tasks_deadline_idx" ON "tasks"("deadline") WHERE (deadline IS NOT NULL AND status IN ('PENDING', 'ASSIGNED'));

-- CreateIndex
CREATE INDEX "tasks_runtime_idx" ON "tasks"("assigned_at") WHERE (status = 'ASSIGNED' AND max_runtime_seconds IS NOT NULL);

-- CreateIndex
CREATE INDEX "tasks_assigned_idx" ON "tasks"("queue_id", "assigned_agent_id") WHERE (status = 'ASSIGNED');

-- CreateIndex
CREATE INDEX "tasks_dispatch_id_idx" ON "tasks"("dispatch_id");

-- CreateIndex
CREATE UNIQUE INDEX "tasks_queue_id_idempotency_key_key" ON "tasks"("queue_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "tasks_seq_key" ON "tasks"("seq");

-- CreateIndex
CREATE INDEX "task_events_task_id_id_idx" ON "task_events"("task_id", "id");

-- CreateIndex
CREATE INDEX "task_events_queue_id_id_idx" ON "task_events"("queue_id", "id");

-- CreateIndex
CREATE INDEX "dispatches_team_id_created_at_idx" ON "dispatches"("team_id", "created_at");

-- CreateIndex
CREATE INDEX "messages_team_id_to_agent_seq_idx" ON "messages"("team_id", "to_agent", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "messages_team_id_seq_key" ON "messages"("team_id", "seq");

-- CreateIndex
CREATE INDEX "team_events_team_id_id_idx" ON "team_events"("team_id", "id");

-- AddForeignKey
ALTER TABLE "teams" ADD CONSTRAINT "teams_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "owners"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "teams" ADD CONSTRAINT "teams_queue_id_fkey" FOREIGN KEY ("queue_id") REFERENCES "work_queues"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_queues" ADD CONSTRAINT "work_queues_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "owners"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_queue_id_fkey" FOREIGN KEY ("queue_id") REFERENCES "work_queues"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_dispatch_id_fkey" FOREIGN KEY ("dispatch_id") REFERENCES "dispatches"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_events" ADD CONSTRAINT "task_events_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "tasks"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_events" ADD CONSTRAINT "task_events_queue_id_fkey" FOREIGN KEY ("queue_id") REFERENCES "work_queues"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dispatches" ADD CONSTRAINT "dispatches_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team_events" ADD CONSTRAINT "team_events_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Team history: member state changes, dispatch progress, stops. Written by the task trigger
-- below and by the team services, announced like task events.
CREATE FUNCTION "record_team_event"(p_team TEXT, p_type "TeamEventType", p_agent TEXT, p_dispatch TEXT, p_detail JSONB)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ev_id bigint;
BEGIN
  INSERT INTO "team_events" ("team_id", "type", "agent", "dispatch_id", "detail")
    VALUES (p_team, p_type, p_agent, p_dispatch, p_detail)
    RETURNING "id" INTO ev_id;
  PERFORM pg_notify('agent_teams_team_events',
    json_build_object('id', ev_id, 'teamId', p_team, 'type', p_type)::text);
END;
$$;

-- Task history: one task_events row per state change, written by the database itself so no
-- statement can change a task without recording it, and announced with NOTIFY in the same
-- transaction (delivered on commit only). The payload carries ids only: NOTIFY caps it near 8 kB.
-- For a queue that belongs to a team, the change is also a team event: a member going busy or
-- idle, and the progress of the dispatch the task is part of.
CREATE FUNCTION "record_task_event"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ev_type "TaskEventType";
  ev_id bigint;
  agent TEXT;
  team TEXT;
BEGIN
  SELECT t."id" INTO team FROM "work_queues" q
    JOIN "teams" t ON t."id" = q."team_id" AND t."owner_id" = q."owner_id"
    WHERE q."id" = NEW."queue_id";
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "task_events" ("task_id", "queue_id", "type", "detail")
      VALUES (NEW."id", NEW."queue_id", 'CREATED', jsonb_build_object('priority', NEW."priority"))
      RETURNING "id" INTO ev_id;
    PERFORM pg_notify('agent_teams_task_events', json_build_object(
      'id', ev_id, 'taskId', NEW."id", 'queueId', NEW."queue_id", 'teamId', team, 'type', 'CREATED')::text);
  END IF;
  -- A task created EXPIRED (deadline already past) records that too.
  IF TG_OP = 'INSERT' AND NEW."status" <> 'EXPIRED' THEN
    ev_type := NULL;
  ELSIF TG_OP = 'INSERT' THEN
    ev_type := 'EXPIRED';
  ELSIF NEW."status" = 'ASSIGNED' AND NEW."stolen_at" IS DISTINCT FROM OLD."stolen_at" THEN
    ev_type := 'STOLEN';
  ELSIF NEW."status" = 'PENDING' THEN
    ev_type := 'REQUEUED';
  ELSE
    ev_type := NEW."status"::text::"TaskEventType";
  END IF;
  agent := COALESCE(NEW."assigned_agent_id", CASE WHEN TG_OP = 'UPDATE' THEN OLD."assigned_agent_id" END);
  IF ev_type IS NOT NULL THEN
    INSERT INTO "task_events" ("task_id", "queue_id", "type", "agent_id", "detail")
      VALUES (
        NEW."id", NEW."queue_id", ev_type, agent,
        jsonb_strip_nulls(jsonb_build_object(
          'attempt', NEW."attempts",
          'error', CASE WHEN NEW."status" IN ('PENDING', 'FAILED', 'EXPIRED', 'CANCELLED') THEN NEW."error" END,
          'stolenByQueueId', CASE WHEN ev_type = 'STOLEN' THEN NEW."stolen_by_queue_id" END
        )))
      RETURNING "id" INTO ev_id;
    PERFORM pg_notify('agent_teams_task_events', json_build_object(
      'id', ev_id, 'taskId', NEW."id", 'queueId', NEW."queue_id", 'teamId', team, 'type', ev_type)::text);
  END IF;

  IF team IS NULL THEN
    RETURN NULL;
  END IF;
  IF agent IS NOT NULL AND TG_OP = 'UPDATE'
     AND (NEW."status" = 'ASSIGNED' OR OLD."status" = 'ASSIGNED')
     AND EXISTS (SELECT 1 FROM "team_members" m WHERE m."team_id" = team AND m."name" = agent) THEN
    PERFORM "record_team_event"(team, 'MEMBER_STATE', agent, NEW."dispatch_id", jsonb_build_object(
      'state', CASE WHEN NEW."status" = 'ASSIGNED' OR EXISTS (
                      SELECT 1 FROM "tasks" k JOIN "work_queues" q ON q."id" = k."queue_id"
                      JOIN "teams" tt ON tt."id" = q."team_id" AND tt."owner_id" = q."owner_id"
                      WHERE tt."id" = team AND k."status" = 'ASSIGNED' AND k."assigned_agent_id" = agent)
                    THEN 'BUSY' ELSE 'IDLE' END,
      'taskId', NEW."id"));
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

-- New mailbox messages are announced to every instance; the row is read back by id.
CREATE FUNCTION "announce_message"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('agent_teams_messages',
    json_build_object('id', NEW."id", 'teamId', NEW."team_id", 'seq', NEW."seq")::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "messages_announce" AFTER INSERT ON "messages"
  FOR EACH ROW EXECUTE FUNCTION "announce_message"();
