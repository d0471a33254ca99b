/**
 * Evaluates an admin condition against a record's facts and says why, in words a person can
 * check: "country = DE ∈ [DE, AT, CH]", "employees 1200 ≥ 500". Pure and total, never an error.
 *
 * By default (routing and SLA rules) a comparison on a missing fact is simply false (`not` of it
 * true), as those rules have always read. Approval policies ask for `unknown: 'match'`: then a
 * missing fact is *unknown*, unknowns follow three-valued logic (`all` is false if any part is
 * false, else unknown if any part is; `any` the mirror; `not` keeps it unknown), and an unknown
 * outcome matches — so a quote cannot dodge a margin rule by leaving out a cost. A policy that
 * says `whenUnknown: skip` gets the default reading.
 */
import type { Comparison, Condition } from '#schemas/admin/condition';

export type Facts = Record<string, unknown>;

export interface Evaluation {
  matched: boolean;
  /** The outcome hung on a fact the record does not have (only with `unknown: 'match'`; then it matched). */
  unknown?: true;
  /** The comparisons that decided the outcome, as readable text. */
  reasons: string[];
}

export interface EvaluateOptions {
  /** What an unknown outcome counts as: no match (default), or a match ("ask"). */
  unknown?: 'no-match' | 'match';
}

type Truth = true | false | 'unknown';
interface Verdict {
  truth: Truth;
  reasons: string[];
}

const show = (value: unknown): string =>
  Array.isArray(value) ? `[${value.map(show).join(', ')}]` : String(value);

const SYMBOL: Record<string, string> = { eq: '=', neq: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤' };

function compare(c: Comparison, facts: Facts, threeValued: boolean): Verdict {
  const actual = facts[c.fact];
  const present = actual !== undefined && actual !== null;
  const text = (ok: boolean, detail: string): Verdict => ({ truth: ok, reasons: [`${c.fact} ${detail}`] });
  if (c.op === 'exists')
    return text(present === c.value, present ? `is set (${show(actual)})` : 'is not set');
  if (!present)
    return threeValued ? { truth: 'unknown', reasons: [`${c.fact} is unknown`] } : text(false, 'is not set');
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

export function evaluate(
  condition: Condition | undefined,
  facts: Facts,
  options: EvaluateOptions = {},
): Evaluation {
  if (condition === undefined) return { matched: true, reasons: ['always'] };
  const { truth, reasons } = judge(condition, facts, options.unknown === 'match');
  if (truth !== 'unknown') return { matched: truth, reasons };
  return {
    matched: true,
    unknown: true,
    reasons: [...reasons, 'a fact it tests is unknown, so it applies (asks)'],
  };
}

/**
 * `all` (a false part decides) and `any` (a true part decides): the first deciding part's reasons;
 * else unknown when a part is; else the other outcome, with every part's reasons.
 */
function combine(results: Verdict[], decisive: boolean): Verdict {
  const decided = results.find((r) => r.truth === decisive);
  if (decided) return { truth: decisive, reasons: decided.reasons };
  const unknown = results.filter((r) => r.truth === 'unknown');
  return unknown.length > 0
    ? { truth: 'unknown', reasons: unknown.flatMap((r) => r.reasons) }
    : { truth: !decisive, reasons: results.flatMap((r) => r.reasons) };
}

function judge(condition: Condition, facts: Facts, threeValued: boolean): Verdict {
  if ('all' in condition)
    return combine(
      condition.all.map((c) => judge(c, facts, threeValued)),
      false,
    );
  if ('any' in condition)
    return combine(
      condition.any.map((c) => judge(c, facts, threeValued)),
      true,
    );
  if ('not' in condition) {
    const inner = judge(condition.not, facts, threeValued);
    return {
      truth: inner.truth === 'unknown' ? 'unknown' : !inner.truth,
      reasons: inner.reasons.map((r) => `not (${r})`),
    };
  }
  return compare(condition, facts, threeValued);
}
