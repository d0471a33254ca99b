/**
 * Evaluates an admin condition against a record's facts and says why, in words a person can
 * check: "country = DE ∈ [DE, AT, CH]", "employees 1200 ≥ 500". Pure and total: a missing fact
 * makes a comparison false (except `exists`), never an error.
 */
import type { Comparison, Condition } from '#schemas/admin/condition';

export type Facts = Record<string, unknown>;

export interface Evaluation {
  matched: boolean;
  /** The comparisons that decided the outcome, as readable text. */
  reasons: string[];
}

const show = (value: unknown): string =>
  Array.isArray(value) ? `[${value.map(show).join(', ')}]` : String(value);

const SYMBOL: Record<string, string> = { eq: '=', neq: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤' };

function compare(c: Comparison, facts: Facts): Evaluation {
  const actual = facts[c.fact];
  const present = actual !== undefined && actual !== null;
  const text = (ok: boolean, detail: string) => ({ matched: ok, reasons: [`${c.fact} ${detail}`] });
  if (c.op === 'exists')
    return text(present === c.value, present ? `is set (${show(actual)})` : 'is not set');
  if (!present) return text(false, 'is not set');
  const value = c.value;
  switch (c.op) {
    case 'eq':
    case 'neq': {
      const equal =
        typeof actual === 'string' && typeof value === 'string'
          ? actual.toLowerCase() === value.toLowerCase()
          : actual === value;
      const ok = c.op === 'eq' ? equal : !equal;
      return text(ok, `${show(actual)} ${ok ? SYMBOL[c.op] : c.op === 'eq' ? '≠' : '='} ${show(value)}`);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const a = Number(actual);
      const b = Number(value);
      const ok = c.op === 'gt' ? a > b : c.op === 'gte' ? a >= b : c.op === 'lt' ? a < b : a <= b;
      return text(ok, `${show(actual)} ${ok ? SYMBOL[c.op] : `not ${SYMBOL[c.op]}`} ${show(value)}`);
    }
    case 'in':
    case 'notIn': {
      const list = (value as unknown[]).map((v) => (typeof v === 'string' ? v.toLowerCase() : v));
      const member = list.includes(typeof actual === 'string' ? actual.toLowerCase() : actual);
      const ok = c.op === 'in' ? member : !member;
      return text(ok, `${show(actual)} ${member ? '∈' : '∉'} ${show(value)}`);
    }
    case 'startsWith': {
      const ok = String(actual).toLowerCase().startsWith(String(value).toLowerCase());
      return text(ok, `${show(actual)} ${ok ? 'starts with' : 'does not start with'} ${show(value)}`);
    }
    case 'includes':
    case 'excludes':
    case 'includesAny': {
      const have = (Array.isArray(actual) ? actual : []).map((v) => String(v).toLowerCase());
      const wanted = (Array.isArray(value) ? value : [value]).map((v) => String(v).toLowerCase());
      const hit = wanted.some((w) => have.includes(w));
      const ok = c.op === 'excludes' ? !hit : hit;
      return text(ok, `${show(actual)} ${hit ? 'includes' : 'does not include'} ${show(value)}`);
    }
    default:
      return text(false, `cannot be compared with ${c.op}`);
  }
}

export function evaluate(condition: Condition | undefined, facts: Facts): Evaluation {
  if (condition === undefined) return { matched: true, reasons: ['always'] };
  if ('all' in condition) {
    const results = condition.all.map((c) => evaluate(c, facts));
    const failed = results.find((r) => !r.matched);
    return failed
      ? { matched: false, reasons: failed.reasons }
      : { matched: true, reasons: results.flatMap((r) => r.reasons) };
  }
  if ('any' in condition) {
    const results = condition.any.map((c) => evaluate(c, facts));
    const hit = results.find((r) => r.matched);
    return hit
      ? { matched: true, reasons: hit.reasons }
      : { matched: false, reasons: results.flatMap((r) => r.reasons) };
  }
  if ('not' in condition) {
    const inner = evaluate(condition.not, facts);
    return { matched: !inner.matched, reasons: inner.reasons.map((r) => `not (${r})`) };
  }
  return compare(condition, facts);
}
