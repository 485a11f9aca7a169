-- CreateIndex
CREATE INDEX "teams_stopped_idx" ON "teams"("stopped_at") WHERE (status = 'STOPPED');

-- CreateIndex
CREATE INDEX "work_queues_deleted_idx" ON "work_queues"("deleted_at") WHERE (deleted_at IS NOT NULL);
