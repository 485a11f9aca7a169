import { z } from 'zod';
import { MAX_COST } from '../queues/validation.js';
import { intBetween, text } from '../validation.js';

export const MAX_TEAM_SIZE = 10;
/** The most tasks a budget may allow (the counter is a 32-bit integer). */
export const MAX_BUDGET_TASKS = 1_000_000_000;

/** Spending limits; a limit left out or null is no limit. */
export const budgetSchema = z.object({
  maxCost: z
    .number('must be a finite number')
    .gt(0, 'must be greater than 0')
    .max(MAX_COST, `must be at most ${MAX_COST}`)
    .nullish(),
  maxTasks: z
    .number('must be an integer')
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_BUDGET_TASKS, `must be at most ${MAX_BUDGET_TASKS}`)
    .nullish(),
});

export const teamInputSchema = z.object({
  name: text(200),
  size: intBetween(1, MAX_TEAM_SIZE).nullish(),
  model: text(200).nullish(),
  mode: text(50).nullish(),
  systemPrompt: text(20_000).nullish(),
  budget: budgetSchema.nullish(),
});

export const dispatchInputSchema = z.object({
  task: text(20_000),
  tools: z.array(text(100)).max(50, 'must list at most 50 tools').nullish(),
  parallel: z.boolean().nullish(),
  completion: z.enum(['ALL', 'FIRST'], 'must be ALL or FIRST').nullish(),
});

export const backgroundInputSchema = z.object({
  task: text(20_000),
  maxRuntimeSeconds: intBetween(1, 86_400).nullish(),
});

export type TeamInput = z.input<typeof teamInputSchema>;
export type BudgetInput = z.input<typeof budgetSchema>;
export type DispatchInput = z.input<typeof dispatchInputSchema>;
export type BackgroundInput = z.input<typeof backgroundInputSchema>;
