import { z } from 'zod';

export const memberNameSchema = z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters');

export const messageInputSchema = z.object({
  from: memberNameSchema,
  /** Absent: the whole team. */
  to: memberNameSchema.nullish(),
  body: z
    .string()
    .max(64 * 1024, 'must be at most 65536 characters')
    .refine((s) => s.trim().length > 0, 'must not be empty'),
});

export const cursorSchema = z.number().int().min(0, 'must be 0 or more');

export type MessageInput = z.infer<typeof messageInputSchema>;
