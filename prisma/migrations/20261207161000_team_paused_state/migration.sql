-- New enum values in a migration of their own (the next migration's constraints, triggers and
-- statements use them, which PostgreSQL refuses in the transaction that added them).
ALTER TYPE "TeamStatus" ADD VALUE 'PAUSED';
ALTER TYPE "TeamEventType" ADD VALUE 'BUDGET_EXHAUSTED';
ALTER TYPE "TeamEventType" ADD VALUE 'TEAM_RESUMED';
