// What a failed write means, for the callers that expect one kind of failure.

/** A unique index refused the write (another writer got there first). */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}

/** A bulk write (ordered: false) whose every failed statement was refused by a unique index: the rest were written. */
export function onlyDuplicateKeys(err: unknown): boolean {
  const failed = (err as { writeErrors?: unknown }).writeErrors;
  const list = Array.isArray(failed) ? failed : failed ? [failed] : [];
  return list.length > 0 && list.every(isDuplicateKey);
}
