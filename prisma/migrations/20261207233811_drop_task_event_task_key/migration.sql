-- Task events keep their task's id without a key check: they are written only by the triggers of
-- tasks, from the changed row itself, and tasks are never deleted, so the check could not fail;
-- it cost a lookup of the task (and a KEY SHARE lock on it) for every event, about a tenth of
-- PostgreSQL's CPU for a batch claim and complete. Same reasoning as queue_id in
-- 20261207154000_set_based_task_events. The (task_id, id) index stays: it serves a task's history.
ALTER TABLE "task_events" DROP CONSTRAINT "task_events_task_id_fkey";
