import type { Team } from '../generated/prisma/client.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Db } from '../db/client.js';
import { newId } from '../db/ids.js';
import type { Tx } from '../db/tx.js';
import { conflict, notFound } from '../errors.js';
import { cancelTeamPendingTasks } from '../queues/sql/expireTasks.js';
import { ensureOwner } from '../queues/workQueues.js';
import { MAX_TEAM_SIZE, type TeamInput } from './validation.js';

export const memberName = (position: number) => `agent-${position}`;

/** Team history row + NOTIFY, through the same database function the task trigger uses. */
async function recordTeamEvent(tx: Tx, teamId: string, type: 'MEMBER_ADDED' | 'TEAM_STOPPED', agent: string | null) {
  await tx.$executeRaw`SELECT record_team_event(${teamId}, ${type}::"TeamEventType", ${agent}, NULL, NULL)`;
}

/**
 * Creates the team, its members agent-1…agent-N and its own work queue in one transaction.
 * The queue's teamId is the team's id, which is what makes a queue belong to a team.
 */
export async function createTeam(db: Db, ownerId: string, input: TeamInput): Promise<Team> {
  const size = input.size ?? 3;
  const id = newId('Team');
  const queueId = newId('WorkQueue');
  try {
    return await db.$transaction(async (tx) => {
      await ensureOwner(tx, ownerId);
      await tx.workQueue.create({ data: { id: queueId, ownerId, name: input.name, teamId: id } });
      const team = await tx.team.create({
        data: {
          id,
          ownerId,
          name: input.name,
          size,
          model: input.model ?? null,
          mode: input.mode ?? null,
          systemPrompt: input.systemPrompt ?? null,
          queueId,
        },
      });
      await tx.teamMember.createMany({
        data: Array.from({ length: size }, (_, i) => ({ teamId: id, name: memberName(i + 1), position: i + 1 })),
      });
      return team;
    });
  } catch (err) {
    // teams_active_name_key: one active team per name and owner.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      throw conflict(`an active team named "${input.name}" already exists`);
    }
    throw err;
  }
}

/** The owner's team (active or stopped), or NOT_FOUND, also for another owner's team. */
export async function requireTeam(db: Tx, ownerId: string, teamId: string): Promise<Team> {
  const team = await db.team.findFirst({ where: { id: teamId, ownerId } });
  if (!team) throw notFound('team', teamId);
  return team;
}

export async function requireActiveTeam(db: Tx, ownerId: string, teamId: string): Promise<Team> {
  const team = await requireTeam(db, ownerId, teamId);
  if (team.status === 'STOPPED') throw conflict(`team ${teamId} is stopped`);
  return team;
}

/**
 * The owner's active team, share-locked until the transaction ends: a concurrent stop waits for
 * the caller's writes, then cancels what they added.
 */
export async function lockActiveTeam(tx: Tx, ownerId: string, teamId: string): Promise<{ id: string; queueId: string }> {
  const [team] = await tx.$queryRaw<{ id: string; queueId: string; status: string }[]>`
    SELECT id, queue_id AS "queueId", status::text AS status FROM teams
    WHERE id = ${teamId} AND owner_id = ${ownerId}
    FOR SHARE`;
  if (!team) throw notFound('team', teamId);
  if (team.status === 'STOPPED') throw conflict(`team ${teamId} is stopped`);
  return team;
}

/** Pending tasks on all the team's queues. */
export function teamQueueDepth(db: Tx, team: Pick<Team, 'id' | 'ownerId'>): Promise<number> {
  return db.task.count({ where: { status: 'PENDING', queue: { teamId: team.id, ownerId: team.ownerId } } });
}

/** The team a queue belongs to: its teamId names one of the queue owner's teams. */
export async function teamOfQueue(db: Tx, queue: { teamId: string | null; ownerId: string }): Promise<Team | null> {
  return queue.teamId ? db.team.findFirst({ where: { id: queue.teamId, ownerId: queue.ownerId } }) : null;
}

/**
 * Adds the next member. The size grows with a guarded UPDATE (`size < 10`), which holds the
 * team row lock: concurrent additions queue on it and can never pass the maximum.
 */
export async function addTeamMember(db: Db, ownerId: string, teamId: string): Promise<Team> {
  return db.$transaction(async (tx) => {
    const [grown] = await tx.$queryRaw<{ size: number }[]>`
      UPDATE teams SET size = size + 1
      WHERE id = ${teamId} AND owner_id = ${ownerId} AND status = 'ACTIVE' AND size < ${MAX_TEAM_SIZE}
      RETURNING size`;
    if (!grown) {
      const team = await requireActiveTeam(tx, ownerId, teamId);
      throw conflict(`Team already at max size (${team.size} of ${MAX_TEAM_SIZE} members)`);
    }
    const name = memberName(grown.size);
    await tx.teamMember.create({ data: { teamId, name, position: grown.size } });
    await recordTeamEvent(tx, teamId, 'MEMBER_ADDED', name);
    return tx.team.findUniqueOrThrow({ where: { id: teamId } });
  });
}

/**
 * Stops the team: its members stop, pending work on its queues is cancelled, assigned work may
 * still finish or fail. The team stays readable. Stopping a stopped team changes nothing.
 */
export async function stopTeam(db: Db, ownerId: string, teamId: string): Promise<Team> {
  return db.$transaction(async (tx) => {
    const [stopped] = await tx.$queryRaw<{ id: string }[]>`
      UPDATE teams SET status = 'STOPPED', stopped_at = now()
      WHERE id = ${teamId} AND owner_id = ${ownerId} AND status = 'ACTIVE'
      RETURNING id`;
    if (stopped) {
      await cancelTeamPendingTasks(tx, ownerId, teamId, 'team stopped');
      await recordTeamEvent(tx, teamId, 'TEAM_STOPPED', null);
    }
    return requireTeam(tx, ownerId, teamId);
  });
}
