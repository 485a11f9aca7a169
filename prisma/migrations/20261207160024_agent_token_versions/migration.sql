-- AlterEnum
ALTER TYPE "TeamEventType" ADD VALUE 'AGENT_TOKENS_REVOKED';

-- AlterTable
ALTER TABLE "team_members" ADD COLUMN     "token_version" INTEGER NOT NULL DEFAULT 0;

-- A version only ever grows from 0.
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_token_version_check" CHECK ("token_version" >= 0);
