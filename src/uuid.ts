const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The pattern `isUuid` applies, as text: PostgreSQL's case-insensitive match (`~*`) reads it alike. */
export const UUID_PATTERN = UUID.source;

/** Whether a string is a UUID in its canonical text form: checked before it reaches a uuid column, where PostgreSQL would refuse it with an error rather than match nothing. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
