import { createHash } from 'node:crypto';

// Opaque pagination cursors. A cursor carries the position of a row (its values in the list's
// order: a sequence number, or a creation time and id) and a tag binding it to the owner and the
// list that issued it. The position is applied as a value comparison inside the caller's own rows,
// never as a lookup of the row it names, so a cursor reveals nothing about rows that changed,
// vanished or belong to someone else; the tag makes another owner's or another list's cursor
// fail exactly like a random string. No secret is needed for that: a forged tag only positions
// the forger within rows they may read anyway.

/** Whose list, and which one (`workQueues`, `tasks:<queueId>`, …). */
export interface CursorScope {
  ownerId: string;
  list: string;
}

const MAX_CURSOR_LENGTH = 512;

const tagOf = (scope: CursorScope, payload: string) =>
  createHash('sha256').update(`${scope.list}\u0000${scope.ownerId}\u0000${payload}`).digest('base64url').slice(0, 22);

export function encodeCursor(scope: CursorScope, position: readonly string[]): string {
  const payload = Buffer.from(JSON.stringify(position)).toString('base64url');
  return `${payload}.${tagOf(scope, payload)}`;
}

/** The position a cursor of this scope carries, or null for anything else. */
export function decodeCursor(scope: CursorScope, cursor: string): string[] | null {
  if (cursor.length > MAX_CURSOR_LENGTH) return null;
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/.exec(cursor);
  if (!match || tagOf(scope, match[1]!) !== match[2]) return null;
  try {
    const position: unknown = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8'));
    return Array.isArray(position) && position.every((p) => typeof p === 'string') ? position : null;
  } catch {
    return null;
  }
}
