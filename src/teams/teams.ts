import type { Team } from '../generated/prisma/client.js';
import type { Db } from '../db/client.js';
import { newId } from '../db/ids.js';
import { isUniqueViolation, retryOnDeadlock } from '../db/pgErrors.js';
import { inTransaction } from '../db/transaction.js';
import { conflict, notFound } from '../errors.js';
import { cancelPending } from '../queues/sql/cancelPending.js';
import { cancelRunning } from '../queues/sql/cancelRunning.js';
import { parseInput } from '../validation.js';
import { addMember } from './sql/addMember.js';
import { createTeam as createStatement } from './sql/createTeam.js';
import { markTeamStopped, recordTeamStopped } from './sql/stopTeam.js';
import { MAX_TEAM_SIZE, teamInputSchema, type TeamInput } from './validation.js';

/** Creates the team, its members agent-1…agent-N and its own work queue in one statement. */
export async function createTeam(db: Db, ownerId: string, input: TeamInput): Promise<Team> {
  const data = parseInput(teamInputSchema, input, 'input');
  try {
    const team = await createStatement.row(db.pool, {
      id: newId('Team'),
      queueId: newId('WorkQueue'),
      ownerId,
      name: data.name,
      size: data.size ?? 3,
      model: data.model ?? null,
      mode: data.mode ?? null,
      systemPrompt: data.systemPrompt ?? null,
      maxCost: data.budget?.maxCost ?? null,
      maxTasks: data.budget?.maxTasks ?? null,
    });
    return team!;
  } catch (err) {
    if (isUniqueViolation(err, 'teams_active_name_key')) throw conflict(`an active team named "${data.name}" already exists`);
    throw err;
  }
}

/** The owner's team (active or stopped), or NOT_FOUND, also for another owner's team. */
export async function requireTeam(db: Db, ownerId: string, teamId: string): Promise<Team> {
  const team = await db.prisma.team.findFirst({ where: { id: teamId, ownerId } });
  if (!team) throw notFound('team', teamId);
  return team;
}

/** The answer for a team that refused new work or members: missing, or stopped. */
async function refusal(db: Db, ownerId: string, teamId: string, otherwise: (team: Team) => Error): Promise<never> {
  const team = await requireTeam(db, ownerId, teamId);
  if (team.status === 'STOPPED') throw conflict(`team ${teamId} is stopped`);
  throw otherwise(team);
}

/** Adds the next member; CONFLICT "Team already at max size" at 10, also under concurrent calls. */
export async function addTeamMember(db: Db, ownerId: string, teamId: string): Promise<Team> {
  const grown = await addMember.row(db.pool, { ownerId, teamId, maxSize: MAX_TEAM_SIZE });
  return grown ?? refusal(db, ownerId, teamId, (team) => conflict(`Team already at max size (${team.size} of ${MAX_TEAM_SIZE} members)`));
}

/**
 * Stops the team: its members stop, pending work on its queues is cancelled, assigned work may
 * still finish or fail. The team stays readable. Stopping a stopped team changes nothing. The
 * final TEAM_STOPPED event is written last, after the cancellations' own events.
 * With `cancelRunning` (the kill switch) the work members hold is cancelled too, also on a team
 * that was stopped before: each holder learns it from the CANCELLED task event at once.
 */
export async function stopTeam(db: Db, ownerId: string, teamId: string, options: { cancelRunning?: boolean | null } = {}): Promise<Team> {
  await retryOnDeadlock(() =>
    inTransaction(db, async (tx) => {
      const stopped = await markTeamStopped.row(tx, { ownerId, teamId });
      if (stopped) await cancelPending.count(tx, { queueIds: stopped.queueIds, reason: 'team stopped' });
      if (options.cancelRunning) await cancelRunning.count(tx, { ownerId, teamId, reason: 'team stopped; running work cancelled' });
      if (stopped) await recordTeamStopped.count(tx, { teamId });
    }),
  );
  return requireTeam(db, ownerId, teamId);
}
