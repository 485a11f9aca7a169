import { getNullableType, isEnumType, isInputObjectType, isListType, isNonNullType, type GraphQLInputType } from 'graphql';
import type { Input } from '../plan.js';
import { argumentBounds, inputFieldBounds } from './constraints.js';
import { leafSchema, nullable, type JsonSchema } from './jsonSchema.js';

/**
 * The JSON Schema of a GraphQL input type as REST takes it: enum values in lower case, input
 * objects closed (GraphQL refuses unknown fields inside them), each field with the bounds the
 * services enforce. Nullable types accept null, as GraphQL does.
 */
export function inputTypeSchema(type: GraphQLInputType, bounds: JsonSchema = {}): JsonSchema {
  const known = valueSchema(getNullableType(type), bounds);
  return isNonNullType(type) ? known : nullable(known);
}

function valueSchema(type: GraphQLInputType, bounds: JsonSchema): JsonSchema {
  if (isListType(type)) {
    const { items, ...own } = bounds;
    return { type: 'array', items: inputTypeSchema(type.ofType, (items as JsonSchema | undefined) ?? {}), ...own };
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    return {
      type: 'object',
      properties: Object.fromEntries(
        fields.map((f) => [f.name, { ...inputTypeSchema(f.type, inputFieldBounds(type.name, f.name)), ...(f.description ? { description: f.description } : {}) }]),
      ),
      required: fields.filter((f) => isNonNullType(f.type) && f.defaultValue === undefined).map((f) => f.name),
      additionalProperties: false,
    };
  }
  if (isNonNullType(type)) return valueSchema(type.ofType, bounds);
  return { ...leafSchema(type, isEnumType(type)), ...bounds };
}

/** The schema of one value a route reads (body field, query or path parameter). */
export function inputSchema(input: Input, rootField: string): JsonSchema {
  const bounds = input.objectType ? inputFieldBounds(input.objectType, input.path[1]!) : argumentBounds(rootField, input.path[0]);
  return {
    ...inputTypeSchema(input.type, bounds),
    ...(input.description ? { description: input.description } : {}),
    ...(input.defaultValue !== undefined ? { default: input.defaultValue } : {}),
  };
}
