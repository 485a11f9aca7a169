/** PostgreSQL's unique_violation on the named index or constraint. */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string } | undefined;
  return e?.code === '23505' && e.constraint === constraint;
}
