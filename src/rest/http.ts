import type { IncomingMessage } from 'node:http';
import { badInput } from '../errors.js';
import { checkDeclaredLength, isJsonContentType, parseJson, readUtf8, unsupportedMediaType } from '../http/body.js';

/**
 * The request body as a JSON object (no body → {}). A body in another content type is
 * UNSUPPORTED_MEDIA_TYPE; an oversized, malformed, non-UTF-8 or non-object one BAD_USER_INPUT.
 */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const declared = req.headers['content-length'];
  // Node's parser only reads a body announced by Content-Length or Transfer-Encoding: a bodiless
  // POST (curl -X POST without -d) needs no content type.
  const hasBody = declared !== undefined ? declared !== '0' : req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return {};
  // Checked before reading, so a large body of the wrong type is never buffered.
  if (!isJsonContentType(req.headers['content-type'])) throw unsupportedMediaType('the request body');
  checkDeclaredLength(declared);
  const parsed = parseJson(await readUtf8(req)) ?? {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badInput('body', 'must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** An optional integer query parameter. */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw badInput(name, 'must be an integer');
  return Number(raw);
}

/** Only the listed keys of a body (absent keys stay absent, so GraphQL defaults apply). */
export function pick(body: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in body).map((k) => [k, body[k]]));
}

export const toSnake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export const toCamel = (key: string) => key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Keys whose values are the caller's own JSON, answered as stored (never re-cased). */
const PASSED_THROUGH = new Set(['payload', 'result', 'inputRequest', 'inputResponse']);
/** Keys whose enum values REST spells in lower case. */
export const LOWER_CASED = new Set(['status', 'state', 'completion']);

/**
 * The REST representation of GraphQL data: enum values of `status`, `state` and `completion` in
 * lower case (as the seeds use them), and keys in snake_case for the /api/v1 surface.
 */
export function restShape(value: unknown, snake: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => restShape(v, snake));
  // Times (DateTime) arrive as Date objects from in-process execution: ISO-8601, as GraphQL answers them.
  if (value instanceof Date) return value.toISOString();
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      snake ? toSnake(k) : k,
      LOWER_CASED.has(k) && typeof v === 'string' ? v.toLowerCase() : PASSED_THROUGH.has(k) ? v : restShape(v, snake),
    ]),
  );
}

/** A REST field name for a GraphQL argument path: `input.systemPrompt` → `system_prompt`. */
export function restField(path: string, snake: boolean, renames: Record<string, string> = {}): string {
  const bare = path.replace(/^input\./, '');
  const renamed = renames[bare] ?? bare;
  return snake ? renamed.split('.').map(toSnake).join('.') : renamed;
}
