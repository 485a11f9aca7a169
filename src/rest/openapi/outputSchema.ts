import {
  getNamedType,
  getNullableType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { toSnake } from '../http.js';
import { leafSchema, nullable, type JsonSchema } from './jsonSchema.js';

/**
 * JSON Schemas of what REST answers, from the selections of the route's GraphQL document over the
 * schema's types, shaped as `restShape` shapes the data: snake_case keys on /api/v1, `status` and
 * `state` values in lower case. A selection that is exactly one fragment becomes a named
 * component (`Task`, `v1.Team`), shared by every route that answers it.
 */
export class OutputSchemas {
  readonly components: Record<string, JsonSchema> = {};

  constructor(private readonly schema: GraphQLSchema) {}

  /**
   * The schema of the value at `path` (dotted response keys, through lists) of the operation's
   * data; `present`: as known to be there (an answer whose null is another status, a list item).
   */
  valueAt(document: DocumentNode, path: string, snake: boolean, present = false): JsonSchema {
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    const fragments = new Map(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
    );
    let type: GraphQLOutputType = this.schema.getRootType(operation.operation)!;
    let selection: SelectionSetNode | undefined = operation.selectionSet;
    const keys = path.split('.');
    for (const key of keys) {
      const field: FieldNode | undefined = this.fields(selection!, fragments).find((f) => (f.alias ?? f.name).value === key);
      if (!field) throw new Error(`${operation.name?.value}: no field ${key} in its data`);
      type = (getNamedType(type) as GraphQLObjectType).getFields()[field.name.value]!.type;
      selection = field.selectionSet;
    }
    return this.typeSchema(present ? (getNullableType(type) as GraphQLOutputType) : type, selection, fragments, snake, keys.at(-1)!, present);
  }

  /** The fields of a selection set, fragment spreads and inline fragments flattened. */
  private fields(selection: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): FieldNode[] {
    return selection.selections.flatMap((s): FieldNode[] => {
      if (s.kind === Kind.FIELD) return [s];
      if (s.kind === Kind.INLINE_FRAGMENT) return this.fields(s.selectionSet, fragments);
      return this.fields(fragments.get(s.name.value)!.selectionSet, fragments);
    });
  }

  private typeSchema(
    type: GraphQLOutputType,
    selection: SelectionSetNode | undefined,
    fragments: Map<string, FragmentDefinitionNode>,
    snake: boolean,
    key: string,
    present = false,
  ): JsonSchema {
    const inner = getNullableType(type) as GraphQLOutputType;
    let known: JsonSchema;
    if (isListType(inner)) known = { type: 'array', items: this.typeSchema(inner.ofType, selection, fragments, snake, key) };
    else if (isObjectType(inner)) known = this.objectSchema(inner, selection!, fragments, snake);
    else known = leafSchema(inner as never, key === 'status' || key === 'state');
    return isNonNullType(type) || present ? known : nullable(known);
  }

  private objectSchema(type: GraphQLObjectType, selection: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, snake: boolean): JsonSchema {
    const only = selection.selections.length === 1 ? selection.selections[0] : undefined;
    if (only?.kind === Kind.FRAGMENT_SPREAD) {
      const name = `${snake ? 'v1.' : ''}${only.name.value.replace(/^Rest/, '')}`;
      if (!this.components[name]) {
        this.components[name] = {}; // placeholder: a fragment that (indirectly) contains itself
        this.components[name] = this.properties(type, selection, fragments, snake);
      }
      return { $ref: `#/components/schemas/${name}` };
    }
    return this.properties(type, selection, fragments, snake);
  }

  private properties(type: GraphQLObjectType, selection: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, snake: boolean): JsonSchema {
    const fields = this.fields(selection, fragments);
    const entries = fields.map((f) => {
      const key = (f.alias ?? f.name).value;
      const definition = type.getFields()[f.name.value]!;
      const schema = this.typeSchema(definition.type, f.selectionSet, fragments, snake, key);
      return [snake ? toSnake(key) : key, definition.description ? { ...schema, description: definition.description } : schema] as const;
    });
    const properties = Object.fromEntries(entries);
    return { type: 'object', properties, required: Object.keys(properties) };
  }
}
