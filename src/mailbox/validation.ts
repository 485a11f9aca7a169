import { z } from 'zod';
import { text } from '../validation.js';

export const memberNameSchema = text(128);

export const messageInputSchema = z.object({
  from: memberNameSchema,
  /** Absent: the whole team. */
  to: memberNameSchema.nullish(),
  body: text(64 * 1024),
});

export const cursorSchema = z.number().int().min(0, 'must be 0 or more');

export type MessageInput = z.input<typeof messageInputSchema>;
