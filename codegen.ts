import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for every operation the REST shim, the A2A front end, the MCP server, the dashboard and the tests send, checked against
// the printed schema; CI regenerates and fails when the output differs from the committed file.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    // The REST shim's operations: one document per route.
    'src/rest/operations.generated.ts': {
      documents: ['src/rest/operations/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: { DateTime: 'string', JSON: 'unknown', JSONObject: 'Record<string, unknown>' },
      },
    },
    // The A2A front end's operations.
    'src/a2a/operations.generated.ts': {
      documents: ['src/a2a/operations/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: { DateTime: 'string', JSON: 'unknown', JSONObject: 'Record<string, unknown>' },
      },
    },
    // The MCP server's operations: one or two per tool.
    'src/mcp/operations.generated.ts': {
      documents: ['src/mcp/operations/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: { DateTime: 'string', JSON: 'unknown', JSONObject: 'Record<string, unknown>' },
      },
    },
    'test/generated/graphql.ts': {
      documents: ['test/documents/**/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: { DateTime: 'string', JSON: 'unknown', JSONObject: 'Record<string, unknown>' },
      },
    },
    // The dashboard's operations: plain strings (no GraphQL parser in the browser bundle).
    'dashboard/src/generated/graphql.ts': {
      documents: ['dashboard/documents/*.graphql'],
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        documentMode: 'string',
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: { DateTime: 'string', JSON: 'unknown', JSONObject: 'Record<string, unknown>' },
      },
    },
  },
  hooks: {},
};

export default config;
