import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for every operation the tests (and later the REST shim) send, checked against
// the printed schema; CI regenerates and fails when the output differs from the committed file.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/documents/**/*.graphql'],
  generates: {
    'test/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: { DateTime: 'string', JSON: 'unknown', JSONObject: 'Record<string, unknown>' },
      },
    },
  },
  hooks: {},
};

export default config;
