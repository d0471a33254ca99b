/**
 * Conditions admins write over a record's facts, as JSON: comparisons combined with all / any /
 * not. Each document kind declares the facts it offers and their types, and the schema refuses
 * an unknown fact, an operator that does not fit the fact's type, or a value of the wrong type —
 * so a rule that validates can always be evaluated.
 *
 *   { "all": [ { "fact": "country", "op": "in", "value": ["DE", "AT", "CH"] },
 *              { "fact": "employees", "op": "gte", "value": 500 } ] }
 */
import * as z from 'zod';

export type FactType = 'number' | 'string' | 'boolean' | 'string[]';
export type FactCatalogue = Record<string, { type: FactType; description: string }>;

export const OPERATORS = {
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn', 'exists'],
  string: ['eq', 'neq', 'in', 'notIn', 'startsWith', 'exists'],
  boolean: ['eq', 'exists'],
  'string[]': ['includes', 'includesAny', 'excludes', 'exists'],
} as const satisfies Record<FactType, readonly string[]>;

export type Operator = (typeof OPERATORS)[FactType][number];

export interface Comparison {
  fact: string;
  op: Operator;
  value?: unknown;
}
export type Condition = Comparison | { all: Condition[] } | { any: Condition[] } | { not: Condition };

const MAX_DEPTH = 5;

/** The value an operator expects for a fact of a given type. */
function valueSchema(type: FactType, op: Operator): z.ZodType | undefined {
  const scalar =
    type === 'number' ? z.number().finite() : type === 'boolean' ? z.boolean() : z.string().max(200);
  switch (op) {
    case 'exists':
      return z.boolean();
    case 'in':
    case 'notIn':
      return z.array(scalar).min(1).max(200);
    case 'includes':
    case 'excludes':
      return z.string().max(200);
    case 'includesAny':
      return z.array(z.string().max(200)).min(1).max(200);
    default:
      return scalar;
  }
}

export function conditionSchema(facts: FactCatalogue): z.ZodType<Condition> {
  const comparison = z
    .strictObject({ fact: z.string(), op: z.string(), value: z.unknown().optional() })
    .superRefine((c, ctx) => {
      const fact = facts[c.fact];
      if (!fact) {
        ctx.addIssue({
          code: 'custom',
          path: ['fact'],
          message: `unknown fact "${c.fact}"; known: ${Object.keys(facts).join(', ')}`,
        });
        return;
      }
      const ops: readonly string[] = OPERATORS[fact.type];
      if (!ops.includes(c.op)) {
        ctx.addIssue({
          code: 'custom',
          path: ['op'],
          message: `"${c.op}" does not apply to ${c.fact} (${fact.type}); use one of ${ops.join(', ')}`,
        });
        return;
      }
      const expected = valueSchema(fact.type, c.op as Operator);
      const result = expected?.safeParse(c.value);
      if (result && !result.success) {
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: `must be ${describeValue(fact.type, c.op as Operator)} for ${c.fact} ${c.op}`,
        });
      }
    });
  const node = (depth: number): z.ZodType<Condition> =>
    depth >= MAX_DEPTH
      ? (comparison as unknown as z.ZodType<Condition>)
      : (z.union([
          comparison,
          z.strictObject({
            all: z
              .array(z.lazy(() => node(depth + 1)))
              .min(1)
              .max(50),
          }),
          z.strictObject({
            any: z
              .array(z.lazy(() => node(depth + 1)))
              .min(1)
              .max(50),
          }),
          z.strictObject({ not: z.lazy(() => node(depth + 1)) }),
        ]) as unknown as z.ZodType<Condition>);
  return node(0);
}

function describeValue(type: FactType, op: Operator): string {
  if (op === 'exists') return 'true or false';
  if (op === 'in' || op === 'notIn' || op === 'includesAny')
    return `a non-empty list of ${type === 'number' ? 'numbers' : 'strings'}`;
  if (op === 'includes' || op === 'excludes') return 'a string';
  return type === 'number' ? 'a number' : type === 'boolean' ? 'true or false' : 'a string';
}
