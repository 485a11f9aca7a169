/** A start-up failure of the embedded PostgreSQL the user can act on: its message is one sentence saying what to do. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}
