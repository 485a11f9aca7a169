import { builder } from '../builder.js';

/** A team's limits; null: none. */
export interface BudgetShape {
  maxCost: number | null;
  maxTasks: number | null;
}

/** What was spent: reported cost and finished tasks. */
export interface SpendShape {
  cost: number;
  tasks: number;
}

export const TeamBudget = builder.objectRef<BudgetShape>('TeamBudget').implement({
  description: 'Spending limits of a team; a null limit is no limit. At a limit the team is PAUSED.',
  fields: (t) => ({
    maxCost: t.float({ nullable: true, description: 'Total cost (your units) the team may spend.', resolve: (b) => b.maxCost }),
    maxTasks: t.int({ nullable: true, description: 'Tasks the team may finish (completed or failed).', resolve: (b) => b.maxTasks }),
  }),
});

export const Spend = builder.objectRef<SpendShape>('Spend').implement({
  description: 'What was spent: the costs reported with completeTask/failTask, and the tasks finished.',
  fields: (t) => ({
    cost: t.exposeFloat('cost'),
    tasks: t.exposeInt('tasks'),
  }),
});

export const TeamBudgetInput = builder.inputType('TeamBudgetInput', {
  description: 'Spending limits; a limit left out or null is no limit.',
  fields: (t) => ({
    maxCost: t.float({ description: 'Greater than 0: the team pauses once the reported costs reach it.' }),
    maxTasks: t.int({ description: 'At least 1: the team pauses once it finished this many tasks.' }),
  }),
});
