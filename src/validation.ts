import { z } from 'zod';
import { badInput } from './errors.js';

// Building blocks for input schemas, shared by every domain. PostgreSQL cannot store NUL
// characters in text or jsonb, so they are refused here with a clear message instead of failing
// in the database.

const NUL = '\u0000';

/** A non-blank string of at most `max` characters. */
export const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, 'must not be empty')
    .refine((s) => !s.includes(NUL), 'must not contain NUL characters');

/** A JSON object of at most `maxBytes` bytes once serialised. */
export const jsonObject = (maxBytes: number) =>
  z
    .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be a JSON object')
    .refine((v) => Buffer.byteLength(JSON.stringify(v)) <= maxBytes, { message: `must be at most ${maxBytes} bytes as JSON` })
    .refine((v) => !JSON.stringify(v).includes('\\u0000'), 'must not contain NUL characters');

/** An integer in [min, max], with the range in the message. */
export const intBetween = (min: number, max: number) =>
  z.number().int('must be an integer').min(min, `must be between ${min} and ${max}`).max(max, `must be between ${min} and ${max}`);

/** A schema's issue path as a field name: `input.priority`, `items[2].leaseToken`. */
export function fieldOf(prefix: string, path: readonly PropertyKey[]): string {
  return [prefix, ...path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
    .filter(Boolean)
    .join('.')
    .replace(/\.\[/g, '[');
}

/**
 * Validates a service's input against its schema: the parsed value, or BAD_USER_INPUT naming the
 * first faulty field (under `prefix`, the argument it came in). Services call this themselves, so
 * GraphQL, REST and any other caller get the same rules and messages.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = fieldOf(prefix, issue.path) || prefix || 'input';
  throw badInput(field, issue.message);
}
