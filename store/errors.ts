/** Failures of the data layer that callers act on; anything else is a fault. */

/** The record's version is not the one the write expected. */
export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
}

/** Another transaction touched the same items at the same moment; safe to retry. */
export class TransactionConflictError extends Error {
  override name = 'TransactionConflictError';
}

/** A value that must be unique within its type is already held by another record. */
export class UniqueConflictError extends Error {
  override name = 'UniqueConflictError';
  constructor(
    readonly field: string,
    readonly value: string,
    readonly heldBy: string | undefined,
  ) {
    super(`${field} "${value}" is already used${heldBy ? ` by ${heldBy}` : ''}`);
  }
}

/**
 * An item the caller wrote alongside the record (an `extra` of create or replace: a match key, a
 * survey link's answer) failed its condition, so nothing was written. `index` is its position
 * among the extras.
 */
export class AlongsideConditionFailedError extends Error {
  override name = 'AlongsideConditionFailedError';
  constructor(readonly index: number) {
    super(`item ${index} written alongside the record failed its condition`);
  }
}

/** A cursor that this store did not issue for this query. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}
