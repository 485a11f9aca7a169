import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';

// Prisma's native schema engine is downloaded from a server we cannot rely on; its WebAssembly
// build ships on npm and speaks to PostgreSQL through the pg driver adapter instead.
let initialised: Promise<void> | undefined;

async function initWasm(): Promise<void> {
  // The .wasm file is not an export of the package; it sits next to the JS glue.
  const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const wasmPath = path.join(path.dirname(gluePath), 'schema_engine_bg.wasm');
  const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
    './schema_engine_bg.js': bindings as unknown as WebAssembly.ModuleImports,
  });
  const exports = instance.exports as unknown as { __wbindgen_start(): void };
  (bindings as unknown as { __wbg_set_wasm(e: unknown): void }).__wbg_set_wasm(exports);
  exports.__wbindgen_start();
}

export interface SchemaFile {
  path: string;
  content: string;
}

/**
 * adapter-pg runs a migration script by splitting it on every `;`, which breaks function bodies
 * (`$$ … ; … $$`). PostgreSQL's simple query protocol takes the whole script at once, as one
 * implicit transaction, which is also what Prisma's native engine does.
 */
class WholeScriptPg extends PrismaPg {
  readonly opened: { dispose(): Promise<void> }[] = [];
  override async connect() {
    const adapter = await super.connect();
    this.opened.push(adapter);
    const client = adapter.underlyingDriver() as { query(sql: string): Promise<unknown> };
    adapter.executeScript = async (script: string) => {
      await client.query(script);
    };
    return adapter;
  }
}

export interface OpenSchemaEngine {
  engine: SchemaEngine;
  /** Frees the engine and closes its connections (a template database must have none left). */
  close(): Promise<void>;
}

export async function openSchemaEngine(connectionString: string, schema: SchemaFile): Promise<OpenSchemaEngine> {
  await (initialised ??= initWasm());
  const factory = new WholeScriptPg({ connectionString });
  const engine = await bindings.SchemaEngine.new(
    { datamodels: [[schema.path, schema.content]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  return {
    engine,
    async close() {
      engine.free();
      await Promise.all(factory.opened.map((a) => a.dispose()));
    },
  };
}

export const noFilters = { externalTables: [], externalEnums: [] };
