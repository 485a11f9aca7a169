-- DropIndex
DROP INDEX "teams_active_name_key";

-- AlterTable
ALTER TABLE "teams" ADD COLUMN     "paused_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "tasks" ADD COLUMN     "cost" DOUBLE PRECISION;

-- CreateTable
CREATE TABLE "team_budgets" (
    "team_id" TEXT NOT NULL,
    "max_cost" DOUBLE PRECISION,
    "max_tasks" INTEGER,
    "spent_cost" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "spent_tasks" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "team_budgets_pkey" PRIMARY KEY ("team_id")
);

-- CreateIndex
CREATE INDEX "tasks_cost_idx" ON "tasks"("queue_id", "cost") WHERE (cost IS NOT NULL);

-- CreateIndex
CREATE UNIQUE INDEX "teams_active_name_key" ON "teams"("owner_id", "name") WHERE (status <> 'STOPPED');

-- AddForeignKey
ALTER TABLE "team_budgets" ADD CONSTRAINT "team_budgets_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Team budgets (hand-written below the generated part).

-- Every team has its budget row (the counters its finishes bump); existing teams start with no
-- limit and with the tasks their queues finished so far (their costs were never reported).
INSERT INTO "team_budgets" ("team_id", "spent_tasks")
SELECT t."id", (SELECT count(*) FROM "tasks" k JOIN "work_queues" q ON q."id" = k."queue_id"
                WHERE q."team_id" = t."id" AND k."status" IN ('COMPLETED', 'FAILED'))::int
FROM "teams" t;

-- Limits are positive, spends never negative; `< 'Infinity'` also refuses NaN (which PostgreSQL
-- orders above every number).
ALTER TABLE "team_budgets"
  ADD CONSTRAINT "team_budgets_max_cost_positive" CHECK ("max_cost" IS NULL OR ("max_cost" > 0 AND "max_cost" < 'Infinity')),
  ADD CONSTRAINT "team_budgets_max_tasks_positive" CHECK ("max_tasks" IS NULL OR "max_tasks" > 0),
  ADD CONSTRAINT "team_budgets_spent_range" CHECK ("spent_cost" >= 0 AND "spent_cost" < 'Infinity' AND "spent_tasks" >= 0);
ALTER TABLE "tasks"
  ADD CONSTRAINT "tasks_cost_range" CHECK ("cost" IS NULL OR ("cost" >= 0 AND "cost" < 'Infinity'));
-- PAUSED: the budget ran out. ACTIVE ⇄ PAUSED (resumeTeam), ACTIVE | PAUSED → STOPPED.
ALTER TABLE "teams"
  ADD CONSTRAINT "teams_paused_iff_paused_at" CHECK (("status" = 'PAUSED') = ("paused_at" IS NOT NULL));

-- "Exhausted" defined once: a limit that is set and reached.
CREATE FUNCTION "team_budget_exhausted"(max_cost FLOAT8, max_tasks INT, spent_cost FLOAT8, spent_tasks INT) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE AS $$
  SELECT (max_cost IS NOT NULL AND spent_cost >= max_cost) OR (max_tasks IS NOT NULL AND spent_tasks >= max_tasks)
$$;

-- The pause, in the transaction of the change that reached the limit (a finish that bumped the
-- counters, or a budget lowered below what was spent): an ACTIVE team becomes PAUSED and its
-- BUDGET_EXHAUSTED event is written, exactly once (the guarded UPDATE finds the team ACTIVE only
-- the first time; concurrent finishes queue on the budget row before they get here).
CREATE FUNCTION "pause_exhausted_team"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "teams" SET "status" = 'PAUSED', "paused_at" = now() WHERE "id" = NEW."team_id" AND "status" = 'ACTIVE';
  IF FOUND THEN
    PERFORM "record_team_event"(NEW."team_id", 'BUDGET_EXHAUSTED', NULL, NULL, jsonb_build_object(
      'limit', CASE WHEN NEW."max_cost" IS NOT NULL AND NEW."spent_cost" >= NEW."max_cost" THEN 'maxCost' ELSE 'maxTasks' END,
      'spent', jsonb_build_object('cost', NEW."spent_cost", 'tasks', NEW."spent_tasks"),
      'budget', jsonb_build_object('maxCost', NEW."max_cost", 'maxTasks', NEW."max_tasks")));
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "team_budgets_pause" AFTER UPDATE ON "team_budgets"
  FOR EACH ROW WHEN ("team_budget_exhausted"(NEW."max_cost", NEW."max_tasks", NEW."spent_cost", NEW."spent_tasks"))
  EXECUTE FUNCTION "pause_exhausted_team"();
