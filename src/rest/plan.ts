import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isNonNullType,
  Kind,
  typeFromAST,
  type GraphQLArgument,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { restField } from './http.js';
import type { Route } from './route.js';

/** One value a route reads from the request: its REST name, where it goes, and its GraphQL type. */
export interface Input {
  /** The name on the REST surface (query parameter, body field, path parameter). */
  rest: string;
  /** The variable, or variable and input field, it sets. */
  path: [string] | [string, string];
  type: GraphQLInputType;
  /** For a field of an input-object variable: that input type's name. */
  objectType?: string;
  required: boolean;
  description?: string;
  defaultValue?: unknown;
}

/** A route compiled against the schema: what the router reads and the OpenAPI document shows. */
export interface RoutePlan {
  route: Route;
  /** /api/v1: snake_case names and the `{ok, data}` envelope. */
  envelope: boolean;
  operation: OperationDefinitionNode;
  params: Input[];
  query: Input[];
  body: Input[];
  /** Input-object variables the body fills (always sent, so a missing field is named as such). */
  bodyObjects: string[];
}

export const isEnvelope = (path: string) => path.startsWith('/api/v1/');

/** The root field argument each variable feeds directly: its description and default. */
function argumentsByVariable(schema: GraphQLSchema, operation: OperationDefinitionNode): Map<string, GraphQLArgument> {
  const root = schema.getRootType(operation.operation)!;
  const found = new Map<string, GraphQLArgument>();
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const field = root.getFields()[selection.name.value];
    for (const arg of selection.arguments ?? []) {
      const definition = field?.args.find((a) => a.name === arg.name.value);
      if (arg.value.kind === Kind.VARIABLE && definition) found.set(arg.value.name.value, definition);
    }
  }
  return found;
}

export function planRoute(route: Route, schema: GraphQLSchema): RoutePlan {
  const operation = route.document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new Error(`${route.method} ${route.path}: the document has no operation`);
  const envelope = isEnvelope(route.path);
  const args = argumentsByVariable(schema, operation);
  const variables = new Map(
    (operation.variableDefinitions ?? []).map((v) => [v.variable.name.value, { type: typeFromAST(schema, v.type as never) as GraphQLInputType, default: v.defaultValue }]),
  );
  const variable = (name: string) => {
    const v = variables.get(name);
    if (!v) throw new Error(`${route.method} ${route.path}: ${operation.name?.value} has no variable $${name}`);
    return v;
  };
  const fromVariable = (name: string, rest: string): Input => {
    const arg = args.get(name);
    return {
      rest,
      path: [name],
      type: variable(name).type,
      required: isNonNullType(variable(name).type) && arg?.defaultValue === undefined,
      description: arg?.description ?? undefined,
      defaultValue: arg?.defaultValue,
    };
  };
  const fromField = (name: string, objectType: string, field: GraphQLInputField): Input => ({
    rest: restField(`${name}.${field.name}`, envelope, route.renames),
    path: [name, field.name],
    type: field.type,
    objectType,
    required: isNonNullType(field.type) && field.defaultValue === undefined,
    description: field.description ?? undefined,
    defaultValue: field.defaultValue,
  });

  const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({ ...fromVariable(m[1]!, m[1]!), required: true }));
  const query = (route.query ?? []).map((name) => fromVariable(name, restField(name, envelope, route.renames)));
  const body: Input[] = [];
  const bodyObjects = new Set<string>();
  for (const entry of route.body ?? []) {
    const [name, fieldName] = entry.split('.') as [string, string | undefined];
    if (fieldName === undefined) {
      body.push(fromVariable(name, restField(name, envelope, route.renames)));
      continue;
    }
    const objectType = getNullableType(variable(name).type);
    if (!isInputObjectType(objectType)) throw new Error(`${route.method} ${route.path}: $${name} is not an input object`);
    bodyObjects.add(name);
    const fields = fieldName === '*' ? Object.values(objectType.getFields()) : [objectType.getFields()[fieldName]];
    for (const field of fields) {
      if (!field) throw new Error(`${route.method} ${route.path}: ${objectType.name} has no field ${fieldName}`);
      body.push(fromField(name, objectType.name, field));
    }
  }
  return { route, envelope, operation, params, query, body, bodyObjects: [...bodyObjects] };
}

/** The named type of an input, for parsing query strings. */
export const namedTypeOf = (input: Input) => getNamedType(input.type);
