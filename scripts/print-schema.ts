// Prints the Pothos schema to schema.graphql (sorted), or with --check fails when the checked-in
// file differs from what the code builds.
import { readFile, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from '../src/graphql/schema/index.js';

const { check } = new Command().name('schema').option('--check', 'exit 1 when schema.graphql is stale').parse().opts<{ check?: boolean }>();
const printed = `${printSchema(lexicographicSortSchema(schema))}\n`;
const file = new URL('../schema.graphql', import.meta.url);
if (check) {
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current !== printed) {
    console.error('schema.graphql is stale: run `npm run schema` and commit the result.');
    process.exit(1);
  }
  console.log('schema.graphql is up to date.');
} else {
  await writeFile(file, printed);
  console.log('Wrote schema.graphql');
}
