/** Pure helpers for changing records: merge patches, field diffs for the audit trail, ETags. */
import type { FieldChange } from '#schemas/audit';
import type { SystemFields } from '#schemas/common';
import { toPointer } from '../../shared/errors.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * RFC 7396 JSON merge patch. Results are built with Object.fromEntries, so a `__proto__` key in
 * a patch becomes an ordinary (unknown, hence rejected) field instead of a prototype.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const base = isObject(target) ? target : {};
  const entries = new Map(Object.entries(base));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) entries.delete(key);
    else entries.set(key, mergePatch(entries.get(key), value));
  }
  return Object.fromEntries(entries);
}

/** Field-level differences between two JSON values, as JSON Pointers. */
export function diff(before: unknown, after: unknown, path: (string | number)[] = []): FieldChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diff(before[key], after[key], [...path, key]));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => diff(before[i], after[i], [...path, i])).flat();
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [
    {
      field: toPointer(path),
      ...(before !== undefined ? { from: before as Json } : {}),
      ...(after !== undefined ? { to: after as Json } : {}),
    },
  ];
}

/** The system fields of anything created at `at` by `by`: version 1, not archived. */
export const firstVersion = (at: string, by: string): SystemFields => ({
  version: 1,
  createdAt: at,
  updatedAt: at,
  createdBy: by,
  updatedBy: by,
  archived: false,
});

export const etagOf = (version: number) => `"v${version}"`;

/**
 * Whether an If-Match header admits the current version (RFC 9110 §13.1.1: strong comparison,
 * so weak tags never match; `*` matches any existing record).
 */
export function ifMatchAdmits(header: string, version: number): boolean {
  const current = etagOf(version);
  return header
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag === current);
}
