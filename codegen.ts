import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for every operation the REST shim, the A2A front end, the MCP server, the
// dashboard and the tests send, checked against the printed schema; CI regenerates and fails when
// the output differs from the committed file.

/** One output of typed documents, all with the same settings (the dashboard's as strings). */
const typedDocuments = (documents: string, extra: Record<string, unknown> = {}) => ({
  documents: [documents],
  plugins: ['typescript-operations', 'typed-document-node'],
  config: {
    useTypeImports: true,
    enumsAsTypes: true,
    ...extra,
    avoidOptionals: { field: true, inputValue: false, object: true },
    scalars: { DateTime: 'string', JSON: 'unknown', JSONObject: 'Record<string, unknown>' },
  },
});

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    // The REST shim's operations: one document per route.
    'src/rest/operations.generated.ts': typedDocuments('src/rest/operations/*.graphql'),
    // The A2A front end's operations.
    'src/a2a/operations.generated.ts': typedDocuments('src/a2a/operations/*.graphql'),
    // The MCP server's operations: one or two per tool.
    'src/mcp/operations.generated.ts': typedDocuments('src/mcp/operations/*.graphql'),
    'test/generated/graphql.ts': typedDocuments('test/documents/**/*.graphql'),
    // The dashboard's operations: plain strings (no GraphQL parser in the browser bundle).
    'dashboard/src/generated/graphql.ts': typedDocuments('dashboard/documents/*.graphql', { documentMode: 'string' }),
  },
  hooks: {},
};

export default config;
