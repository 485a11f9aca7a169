-- New enum values in a migration of their own (the next migration's constraints, indexes and
-- triggers use them, which PostgreSQL refuses in the transaction that added them).
ALTER TYPE "TaskStatus" ADD VALUE 'BLOCKED';
ALTER TYPE "TaskEventType" ADD VALUE 'BLOCKED';
ALTER TYPE "TaskEventType" ADD VALUE 'UNBLOCKED';
