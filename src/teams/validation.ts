import { z } from 'zod';
import { intBetween, text } from '../validation.js';

export const MAX_TEAM_SIZE = 10;

export const teamInputSchema = z.object({
  name: text(200),
  size: intBetween(1, MAX_TEAM_SIZE).nullish(),
  model: text(200).nullish(),
  mode: text(50).nullish(),
  systemPrompt: text(20_000).nullish(),
});

export const dispatchInputSchema = z.object({
  task: text(20_000),
  tools: z.array(text(100)).max(50, 'must list at most 50 tools').nullish(),
  parallel: z.boolean().nullish(),
});

export const backgroundInputSchema = z.object({
  task: text(20_000),
  maxRuntimeSeconds: intBetween(1, 86_400).nullish(),
});

export type TeamInput = z.input<typeof teamInputSchema>;
export type DispatchInput = z.input<typeof dispatchInputSchema>;
export type BackgroundInput = z.input<typeof backgroundInputSchema>;
