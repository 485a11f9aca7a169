-- New enum values in a migration of their own: PostgreSQL does not let a transaction use an enum
-- value it added (constraints, indexes and the trigger of the next migration do), and each
-- migration is applied as one script, in its own transaction.
ALTER TYPE "TaskStatus" ADD VALUE 'INPUT_REQUIRED';
ALTER TYPE "TaskEventType" ADD VALUE 'INPUT_REQUIRED';
ALTER TYPE "TaskEventType" ADD VALUE 'INPUT_PROVIDED';
