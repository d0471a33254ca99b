import { describe, expect, it } from 'vitest';
import { evaluate } from '#functions/admin/domain/evaluate-condition';

describe('evaluate: conditions on a missing fact', () => {
  const inDach = { fact: 'country', op: 'in' as const, value: ['DE', 'AT', 'CH'] };

  it('reads a missing fact as false by default, as routing and SLA rules always have', () => {
    expect(evaluate(inDach, {}).matched).toBe(false);
    expect(evaluate({ not: inDach }, {}).matched).toBe(true);
  });

  it('in the asking reading, keeps a missing fact unknown through not, all and any, and matches', () => {
    const ask = { unknown: 'match' as const };
    expect(evaluate({ not: inDach }, {}, ask)).toMatchObject({ matched: true, unknown: true });
    expect(
      evaluate({ all: [inDach, { fact: 'employees', op: 'gt', value: 5 }] }, { employees: 10 }, ask),
    ).toMatchObject({ matched: true, unknown: true });
  });

  it('lets a known false part decide over an unknown one', () => {
    const ask = { unknown: 'match' as const };
    const result = evaluate(
      { all: [inDach, { fact: 'employees', op: 'gt', value: 5 }] },
      { employees: 1 },
      ask,
    );
    expect(result).toEqual({ matched: false, reasons: ['employees 1 not > 5'] });
    expect(
      evaluate({ any: [inDach, { fact: 'employees', op: 'gt', value: 5 }] }, { employees: 9 }, ask),
    ).toEqual({
      matched: true,
      reasons: ['employees 9 > 5'],
    });
  });
});
