-- CreateTable
CREATE TABLE "schedules" (
    "id" TEXT NOT NULL,
    "queue_id" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "task" JSONB NOT NULL,
    "next_run_at" TIMESTAMPTZ(3) NOT NULL,
    "last_run_at" TIMESTAMPTZ(3),
    "last_task_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "schedules_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "schedules_next_run_at_idx" ON "schedules"("next_run_at");

-- CreateIndex
CREATE INDEX "schedules_queue_id_created_at_idx" ON "schedules"("queue_id", "created_at");

-- AddForeignKey
ALTER TABLE "schedules" ADD CONSTRAINT "schedules_queue_id_fkey" FOREIGN KEY ("queue_id") REFERENCES "work_queues"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: bounded texts, a task template that is an object, ticks in order.
ALTER TABLE "schedules"
  ADD CONSTRAINT "schedules_cron_length" CHECK (char_length("cron") BETWEEN 1 AND 200),
  ADD CONSTRAINT "schedules_timezone_length" CHECK (char_length("timezone") BETWEEN 1 AND 64),
  ADD CONSTRAINT "schedules_task_object" CHECK (jsonb_typeof("task") = 'object' AND "task" ? 'name'),
  ADD CONSTRAINT "schedules_last_before_next" CHECK ("last_run_at" IS NULL OR "last_run_at" < "next_run_at");
