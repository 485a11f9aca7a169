import type { Db } from '../db/client.js';

export interface Context {
  db: Db;
  /** The verified token's `sub`; every read and write is scoped to it. */
  ownerId: string;
}
