import { z } from 'zod';

export const MAX_TEAM_SIZE = 10;

const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, 'must not be empty');

export const teamInputSchema = z.object({
  name: text(200),
  size: z
    .number()
    .int()
    .min(1, `must be between 1 and ${MAX_TEAM_SIZE}`)
    .max(MAX_TEAM_SIZE, `must be between 1 and ${MAX_TEAM_SIZE}`)
    .nullish(),
  model: text(200).nullish(),
  mode: text(50).nullish(),
  systemPrompt: z.string().max(20_000, 'must be at most 20000 characters').nullish(),
});

export const dispatchInputSchema = z.object({
  task: text(20_000),
  tools: z.array(text(100)).max(50, 'must list at most 50 tools').nullish(),
  parallel: z.boolean().nullish(),
});

export const backgroundInputSchema = z.object({
  task: text(20_000),
  maxRuntimeSeconds: z
    .number()
    .int()
    .min(1, 'must be between 1 and 86400')
    .max(86_400, 'must be between 1 and 86400')
    .nullish(),
});

export type TeamInput = z.infer<typeof teamInputSchema>;
export type DispatchInput = z.infer<typeof dispatchInputSchema>;
export type BackgroundInput = z.infer<typeof backgroundInputSchema>;
