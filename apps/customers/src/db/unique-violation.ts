/** The constraint and detail of a PostgreSQL unique violation (code 23505), or null for any other error. */
export function uniqueViolation(err: unknown): { constraint: string; detail: string } | null {
  const cause = (err as { cause?: { code?: string; constraint?: string; detail?: string } })?.cause ?? (err as { code?: string; constraint?: string; detail?: string });
  if (cause?.code !== '23505') return null;
  return { constraint: cause.constraint ?? '', detail: cause.detail ?? '' };
}
