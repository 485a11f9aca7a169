import type { Team } from '../generated/prisma/client.js';
import type { Db } from '../db/client.js';
import { retryOnDeadlock } from '../db/pgErrors.js';
import { conflict, notFound } from '../errors.js';
import { parseInput } from '../validation.js';
import { resumeTeam as resumeStatement } from './sql/resumeTeam.js';
import { setBudget } from './sql/setBudget.js';
import { requireTeam } from './teams.js';
import { budgetSchema, type BudgetInput } from './validation.js';

export interface BudgetFigures {
  maxCost: number | null;
  maxTasks: number | null;
  spentCost: number;
  spentTasks: number;
}

/** "cost 12.5 of 10, tasks 3 of unlimited": what was spent against each limit. */
const spentAgainst = (b: BudgetFigures) =>
  `spent cost ${b.spentCost} of maxCost ${b.maxCost ?? 'unlimited'}, ${b.spentTasks} tasks of maxTasks ${b.maxTasks ?? 'unlimited'}`;

/** Why a paused team refuses work: its budget, in figures, and how to go on. */
export function budgetExhausted(teamId: string, budget: BudgetFigures | null): Error {
  const figures = budget ? ` (${spentAgainst(budget)})` : '';
  return conflict(`team ${teamId} is paused: its budget is exhausted${figures}; raise it with setTeamBudget, then resumeTeam`);
}

/** The team's budget figures (for error messages). */
export async function budgetOf(db: Db, teamId: string): Promise<BudgetFigures | null> {
  return db.prisma.teamBudget.findUnique({ where: { teamId } });
}

/**
 * Replaces the team's budget (a limit left out or null: none). A limit already reached pauses an
 * active team at once (BUDGET_EXHAUSTED); raising it does not resume a paused one: resumeTeam does.
 */
export async function setTeamBudget(db: Db, ownerId: string, teamId: string, budget: BudgetInput): Promise<Team> {
  const data = parseInput(budgetSchema, budget, 'budget');
  const row = await retryOnDeadlock(() => setBudget.row(db.pool, { ownerId, teamId, maxCost: data.maxCost ?? null, maxTasks: data.maxTasks ?? null }));
  const team = await requireTeam(db, ownerId, teamId);
  if (!row) throw conflict(`team ${teamId} is stopped; its budget can no longer change`);
  return team;
}

/**
 * Makes a paused team active again: its queues hand out work and it takes dispatches. CONFLICT
 * while its budget is still exhausted (raise it first) and for a stopped team; an active team
 * stays as it is.
 */
export async function resumeTeam(db: Db, ownerId: string, teamId: string): Promise<Team> {
  const row = (await retryOnDeadlock(() => resumeStatement.row(db.pool, { ownerId, teamId })))!;
  if (row.teamStatus === null) throw notFound('team', teamId);
  if (!row.resumed) {
    if (row.teamStatus === 'STOPPED') throw conflict(`team ${teamId} is stopped; it cannot be resumed`);
    // (Paused but no longer exhausted: a concurrent resume got there first.)
    if (row.teamStatus === 'PAUSED' && row.exhausted) {
      throw budgetExhausted(teamId, { maxCost: row.maxCost, maxTasks: row.maxTasks, spentCost: row.spentCost ?? 0, spentTasks: row.spentTasks ?? 0 });
    }
  }
  return requireTeam(db, ownerId, teamId);
}
