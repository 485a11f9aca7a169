import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { FieldNode, GraphQLError, ValidationContext } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { requestError } from './errors.js';

/** What one operation may ask for (documented in the README's Limits). */
export const OPERATION_LIMITS = {
  /** Characters of the query text: pass large values as variables. */
  queryLength: 100_000,
  /** Lexical tokens, counted while parsing (parsing stops there). */
  tokens: 5_000,
  depth: 10,
  aliases: 30,
  directives: 50,
  /** graphql-armor's cost: each object 2, each scalar 1, growing with depth. */
  cost: 5_000,
};

/** Refuses an oversized query text before the parser reads it. */
const useQueryLength = (max: number): Plugin => ({
  onParse: ({ params }) => {
    const length = typeof params.source === 'string' ? params.source.length : params.source.body.length;
    if (length > max) throw requestError('BAD_USER_INPUT', `query: must be at most ${max} characters; pass large values as variables`, 'query');
  },
});

/**
 * Schema introspection refused (production): `__schema` and `__type` fail validation. By name
 * only: graphql-js's own rule compares types by identity, which fails when graphql is loaded
 * twice (its ESM and CommonJS copies).
 */
const noIntrospection = (context: ValidationContext) => ({
  Field(node: FieldNode) {
    if (node.name.value !== '__schema' && node.name.value !== '__type') return;
    context.reportError(
      createGraphQLError(`Introspection is disabled (field "${node.name.value}"); set GRAPHQL_INTROSPECTION=true to allow it`, {
        nodes: node,
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      }),
    );
  },
});
const useNoIntrospection: Plugin = {
  onValidate: ({ addValidationRule }) => addValidationRule(noIntrospection),
};

/**
 * graphql-armor throws its validation limits as bare "Syntax Error: …" errors without a code;
 * reported instead as validation errors with GRAPHQL_VALIDATION_FAILED (REST 400), plainly worded.
 */
const reported = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(createGraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })),
  ],
};

/**
 * Bounds on every operation, over HTTP, SSE and websockets alike: all of graphql-armor's rules,
 * checked while parsing and validating, so a hostile document is refused before anything runs.
 * Without `introspection` the schema stays private: no introspection and no "Did you mean"
 * suggestions in errors.
 */
export function useOperationLimits(options: { introspection: boolean }): Plugin[] {
  const l = OPERATION_LIMITS;
  return [
    useQueryLength(l.queryLength),
    EnvelopArmorPlugin({
      blockFieldSuggestion: { enabled: !options.introspection },
      maxTokens: { n: l.tokens },
      maxDepth: { n: l.depth, flattenFragments: true, ...reported },
      maxAliases: { n: l.aliases, ...reported },
      maxDirectives: { n: l.directives, ...reported },
      costLimit: { maxCost: l.cost, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5, flattenFragments: true, ...reported },
    }),
    ...(options.introspection ? [] : [useNoIntrospection]),
  ];
}
