import { GraphQLBoolean, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLString, isEnumType, type GraphQLNamedType } from 'graphql';

/** A JSON Schema (OpenAPI 3.1 uses JSON Schema 2020-12). */
export type JsonSchema = Record<string, unknown>;

const SCALARS = new Map<unknown, JsonSchema>([
  [GraphQLString, { type: 'string' }],
  [GraphQLID, { type: 'string' }],
  [GraphQLInt, { type: 'integer' }],
  [GraphQLFloat, { type: 'number' }],
  [GraphQLBoolean, { type: 'boolean' }],
]);
const CUSTOM_SCALARS: Record<string, JsonSchema> = {
  DateTime: { type: 'string', format: 'date-time' },
  JSONObject: { type: 'object', description: 'Any JSON object.' },
  JSON: { description: 'Any JSON value.' },
};

/** A GraphQL scalar or enum as JSON; REST spells enum values in lower case where `lowerEnums`. */
export function leafSchema(type: GraphQLNamedType, lowerEnums: boolean): JsonSchema {
  if (isEnumType(type)) return { type: 'string', enum: type.getValues().map((v) => (lowerEnums ? v.name.toLowerCase() : v.name)) };
  return SCALARS.get(type) ?? CUSTOM_SCALARS[type.name] ?? {};
}

/** The schema that also accepts null. */
export function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string' && !schema.enum) return { ...schema, type: [schema.type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

