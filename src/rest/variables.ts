import { getNamedType, GraphQLBoolean, GraphQLInt, isEnumType, isInputObjectType, type GraphQLNamedType } from 'graphql';
import { badInput } from '../errors.js';
import { toSnake } from './http.js';
import { namedTypeOf, type Input, type RoutePlan } from './plan.js';

/** A query-string value as its GraphQL type: integers, booleans, and enum values in lower case. */
function fromQuery(raw: string, input: Input): unknown {
  const type = namedTypeOf(input);
  if (type === GraphQLInt) {
    if (!/^-?\d+$/.test(raw)) throw badInput(input.rest, 'must be an integer');
    return Number(raw);
  }
  if (type === GraphQLBoolean) {
    if (raw !== 'true' && raw !== 'false') throw badInput(input.rest, 'must be true or false');
    return raw === 'true';
  }
  if (isEnumType(type)) {
    const known = type.getValues().map((v) => v.name.toLowerCase());
    if (!known.includes(raw)) throw badInput(input.rest, `must be one of ${known.join(', ')}`);
    return raw.toUpperCase();
  }
  return raw;
}

/** /api/v1 spells the fields of a nested input object in snake_case too (`budget: {max_cost}`). */
function camelFields(value: unknown, type: GraphQLNamedType): unknown {
  if (!isInputObjectType(type) || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const bySnake = new Map(Object.values(type.getFields()).map((f) => [toSnake(f.name), f]));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      const field = bySnake.get(k);
      return field ? [field.name, camelFields(v, getNamedType(field.type))] : [k, v];
    }),
  );
}

/** REST spells enum values in lower case (`"status": "failed"`). */
const fromBody = (value: unknown, input: Input, snake: boolean) => {
  const type = namedTypeOf(input);
  if (isEnumType(type) && typeof value === 'string') return value.toUpperCase();
  return snake ? camelFields(value, type) : value;
};

/**
 * The operation's variables from the request, as the route's plan says: path parameters, query
 * parameters (parsed by type; empty means absent), and the body fields it names (absent fields
 * stay absent, so GraphQL defaults apply; unknown ones are ignored). GraphQL validates the rest.
 */
export function variablesOf(plan: RoutePlan, params: Record<string, string | undefined>, query: URLSearchParams, body: Record<string, unknown>) {
  const variables: Record<string, unknown> = {};
  for (const p of plan.params) variables[p.path[0]] = params[p.rest];
  for (const q of plan.query) {
    const raw = query.get(q.rest);
    if (raw !== null && raw !== '') variables[q.path[0]] = fromQuery(raw, q);
  }
  for (const name of plan.bodyObjects) variables[name] = {};
  for (const field of plan.body) {
    if (!(field.rest in body)) continue;
    const value = fromBody(body[field.rest], field, plan.envelope);
    if (field.path.length === 1) variables[field.path[0]] = value;
    else (variables[field.path[0]] as Record<string, unknown>)[field.path[1]] = value;
  }
  return variables;
}
