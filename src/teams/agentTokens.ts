import type { Db } from '../db/client.js';
import { conflict, notFound } from '../errors.js';
import { idSchema } from '../queues/validation.js';
import { intBetween, parseInput, text } from '../validation.js';
import { memberTokenVersion } from './sql/memberTokenVersion.js';
import { revokeAgentTokens as revokeStatement } from './sql/revokeAgentTokens.js';

/** Agent tokens last a day unless asked otherwise, and never more than 30 days (revocation covers the rest). */
export const DEFAULT_AGENT_TOKEN_SECONDS = 86_400;
export const MIN_AGENT_TOKEN_SECONDS = 60;
export const MAX_AGENT_TOKEN_SECONDS = 30 * 86_400;

const memberNameSchema = text(128);
const expirySchema = intBetween(MIN_AGENT_TOKEN_SECONDS, MAX_AGENT_TOKEN_SECONDS);

/**
 * What a new token of the member carries: its current version, and how long it lasts.
 * NOT_FOUND for an unknown team or member; CONFLICT for a stopped team (it has no work to do).
 */
export async function agentTokenGrant(db: Db, ownerId: string, teamId: string, agent: string, expiresInSeconds?: number | null) {
  parseInput(idSchema, teamId, 'teamId');
  parseInput(memberNameSchema, agent, 'agent');
  const seconds = expiresInSeconds == null ? DEFAULT_AGENT_TOKEN_SECONDS : parseInput(expirySchema, expiresInSeconds, 'expiresInSeconds');
  const member = await memberTokenVersion.row(db.pool, { ownerId, teamId, agent });
  if (!member) throw missing(teamId, agent);
  if (member.teamStatus === 'STOPPED') throw conflict(`team ${teamId} is stopped; its members get no new tokens`);
  return { version: member.version, expiresInSeconds: seconds };
}

/** Refuses every token the member holds now (their `ver` is older); answers the new version. */
export async function revokeAgentTokens(db: Db, ownerId: string, teamId: string, agent: string): Promise<number> {
  parseInput(idSchema, teamId, 'teamId');
  parseInput(memberNameSchema, agent, 'agent');
  const row = await revokeStatement.row(db.pool, { ownerId, teamId, agent });
  if (!row) throw missing(teamId, agent);
  return row.version;
}

/** The member's current token version; null when the member (or its team, for this owner) is gone. */
export async function currentTokenVersion(db: Db, ownerId: string, teamId: string, agent: string): Promise<number | null> {
  return (await memberTokenVersion.row(db.pool, { ownerId, teamId, agent }))?.version ?? null;
}

/** An unknown team and an unknown member of a known team answer alike. */
const missing = (teamId: string, agent: string) => notFound('team member', `${agent} of team ${teamId}`);
