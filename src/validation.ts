import { z } from 'zod';
import { badInput } from './errors.js';

// Building blocks for input schemas, shared by every domain. PostgreSQL cannot store NUL
// characters or unpaired UTF-16 surrogates (they have no UTF-8 form) in text or jsonb, so they are
// refused here with a clear message instead of failing in the database or being silently replaced.

const NUL = '\u0000';
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** How deep a JSON value may nest (objects and arrays): enough for any real payload, and a bound on recursion. */
export const MAX_JSON_DEPTH = 32;

/** Why a string cannot be stored, or undefined when it can. */
function unstorable(s: string): string | undefined {
  if (s.includes(NUL)) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode (it contains an unpaired surrogate)';
  return undefined;
}

/** A non-blank string of at most `max` characters. */
export const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, 'must not be empty')
    .superRefine((s, ctx) => {
      const problem = unstorable(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/**
 * Why a JSON value cannot be stored: nested deeper than MAX_JSON_DEPTH, or a key or string that
 * PostgreSQL refuses. Iterative, so a value nested thousands deep costs no stack.
 */
export function jsonProblem(value: unknown): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = unstorable(v);
      if (problem) return problem.replace('must', 'strings must');
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_JSON_DEPTH) return `must not nest deeper than ${MAX_JSON_DEPTH} levels`;
    for (const [k, child] of Object.entries(v)) {
      const problem = Array.isArray(v) ? undefined : unstorable(k);
      if (problem) return problem.replace('must', 'keys must');
      stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/** Bytes of a value serialised as JSON (only call on values jsonProblem accepted: bounded depth). */
export const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '');

/** A JSON object of at most `maxBytes` bytes once serialised, nested at most MAX_JSON_DEPTH levels. */
export const jsonObject = (maxBytes: number) =>
  z
    .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be a JSON object')
    .superRefine((v, ctx) => {
      const problem = jsonProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
      else if (jsonBytes(v) > maxBytes) ctx.addIssue({ code: 'custom', message: `must be at most ${maxBytes} bytes as JSON` });
    });

/** An integer in [min, max], with the range in the message. */
export const intBetween = (min: number, max: number) =>
  z.number().int('must be an integer').min(min, `must be between ${min} and ${max}`).max(max, `must be between ${min} and ${max}`);

/** A finite number in [min, max], with the range in the message. */
export const numberBetween = (min: number, max: number) =>
  z.number().min(min, `must be between ${min} and ${max}`).max(max, `must be between ${min} and ${max}`);

// What a PostgreSQL timestamp and an ISO-8601 date (four-digit years) can both hold.
const EARLIEST = new Date('0001-01-01T00:00:00.000Z');
const LATEST = new Date('9999-12-31T23:59:59.999Z');

/** A date between years 1 and 9999 (UTC). */
export const timestamp = () =>
  z
    .date()
    .refine((d) => !Number.isNaN(d.getTime()), 'must be a valid date')
    .refine((d) => d >= EARLIEST && d <= LATEST, 'must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z');

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
