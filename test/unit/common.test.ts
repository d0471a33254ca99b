import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  Currency,
  Email,
  IsoDateTime,
  longText,
  MAX_MINOR_UNITS,
  MinorUnits,
  Percent,
  recordId,
  text,
  toBasisPoints,
} from '#schemas/common';
import { Phone } from '#schemas/phone';

/** The messages a value is refused with; empty when it is accepted. */
const refusals = (schema: z.ZodType, value: unknown): string[] => {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => i.message);
};

describe('Phone', () => {
  it.each([
    ['+49 151 1234-5678', '+4915112345678'],
    ['(+44) 20 7946 0958', '+442079460958'],
    ['+1 (650) 253-0000', '+16502530000'],
    ['+33 1 42 68 53 00', '+33142685300'],
    ['+81 3-1234-5678', '+81312345678'],
    ['+55 11 91234-5678', '+5511912345678'],
    ['+91 98765 43210', '+919876543210'],
    ['+49 (0) 151 / 1234 5678', '+4915112345678'],
    ['  +4915112345678  ', '+4915112345678'],
  ])('stores %j as %s', (written, e164) => {
    expect(Phone.parse(written)).toBe(e164);
  });

  it.each([
    ['a national number without a country code', '0151 12345678'],
    ['an international dialling prefix instead of +', '0049 151 12345678'],
    ['too few digits for the country', '+49 123'],
    ['a country code that does not exist', '+999 1234567'],
    ['letters', 'call me maybe'],
    ['an empty string', ''],
  ])('refuses %s', (_what, written) => {
    expect(refusals(Phone, written)).toEqual([
      'must be a valid phone number in international form, such as +49 151 12345678',
    ]);
  });

  it('refuses more than 40 characters before trying to parse them', () => {
    expect(refusals(Phone, `+49 151 12345678${' '.repeat(30)}`)).toEqual(['must be at most 40 characters']);
  });
});

describe('Currency', () => {
  it.each(['EUR', 'USD', 'JPY', 'CHF'])('accepts %s', (code) => {
    expect(Currency.parse(code)).toBe(code);
  });

  it.each(['eur', 'EURO', 'ABC', 'XYZ', '€', ''])('refuses %j as not ISO 4217', (code) => {
    expect(refusals(Currency, code)).toEqual(['must be an ISO 4217 currency code such as EUR or USD']);
  });
});

describe('MinorUnits', () => {
  it('accepts whole minor units from 0 up to MAX_MINOR_UNITS', () => {
    expect(MinorUnits.parse(0)).toBe(0);
    expect(MinorUnits.parse(MAX_MINOR_UNITS)).toBe(MAX_MINOR_UNITS);
  });

  it.each([
    ['a fraction of a cent', 10.5],
    ['a negative amount', -1],
    ['more than MAX_MINOR_UNITS', MAX_MINOR_UNITS + 1],
    ['a numeric string', '100'],
  ])('refuses %s', (_what, value) => {
    expect(refusals(MinorUnits, value)).not.toEqual([]);
  });
});

describe('Percent', () => {
  it.each([0, 100, 12.5, 33.33, 1.15, 4.35, 0.57, 8.2])('accepts %d', (value) => {
    expect(Percent.parse(value)).toBe(value);
  });

  it('accepts a two-decimal value that arithmetic left with float noise (0.1 + 0.2)', () => {
    expect(refusals(Percent, 0.1 + 0.2)).toEqual([]);
    expect(toBasisPoints(0.1 + 0.2)).toBe(30);
  });

  it.each([33.333, 1.005, 0.001])('refuses %d for having a third decimal', (value) => {
    expect(refusals(Percent, value)).toEqual(['must have at most two decimals']);
  });

  it.each([-0.01, 100.01, 150])('refuses %d as outside 0–100', (value) => {
    expect(refusals(Percent, value)).toContain('must be between 0 and 100');
  });

  it('converts two-decimal percentages to exact basis points', () => {
    expect([1.15, 4.35, 0.57, 8.2, 33.33, 100].map(toBasisPoints)).toEqual([115, 435, 57, 820, 3333, 10_000]);
  });
});

describe('text()', () => {
  it('trims surrounding white space', () => {
    expect(text().parse('  Acme GmbH \n')).toBe('Acme GmbH');
  });

  it('refuses a value that is only white space', () => {
    expect(refusals(text(), '   ')).toEqual(['must not be empty']);
  });

  it('counts the limit after trimming', () => {
    const limit = text(10);

    expect(limit.parse(`  ${'a'.repeat(10)}  `)).toBe('a'.repeat(10));
    expect(refusals(limit, 'a'.repeat(11))).toEqual(['must be at most 10 characters']);
  });

  it('defaults to a limit of 200 characters', () => {
    expect(refusals(text(), 'a'.repeat(200))).toEqual([]);
    expect(refusals(text(), 'a'.repeat(201))).toEqual(['must be at most 200 characters']);
  });

  it.each([
    ['NUL', 'Acme\u0000'],
    ['BEL', 'Ac\u0007me'],
    ['ESC', 'Acme\u001b[31m'],
    ['DEL', 'Ac\u007fme'],
  ])('refuses the control character %s', (_name, value) => {
    expect(refusals(text(), value)).toEqual(['must not contain control or text-direction characters']);
  });

  it.each([
    ['a right-to-left override', 'invoice\u202Efdp.exe'],
    ['a C1 control', 'Acme\u0085'],
  ])('refuses %s anywhere', (_name, value) => {
    expect(refusals(text(), value)).toEqual(['must not contain control or text-direction characters']);
    expect(refusals(longText(), value)).toEqual(['must not contain control or text-direction characters']);
  });

  it('keeps short text on one line', () => {
    expect(refusals(text(), 'Acme\nGmbH')).toEqual(['must be a single line']);
  });

  it('refuses a lone UTF-16 surrogate but keeps characters outside the BMP', () => {
    expect(refusals(text(), 'Acme \ud800')).toEqual(['must be valid Unicode text']);
    expect(text().parse('Acme 🚀')).toBe('Acme 🚀');
  });

  it('keeps line breaks and tabs inside long text', () => {
    expect(longText().parse('Line one\n\tLine two')).toBe('Line one\n\tLine two');
  });
});

describe('Email', () => {
  it('stores an address in lower case', () => {
    expect(Email.parse('Ada.Lovelace+CRM@Example.COM')).toBe('ada.lovelace+crm@example.com');
  });

  it.each(['ada', 'ada@', '@example.com', 'ada@example', 'ada lovelace@example.com'])(
    'refuses %j',
    (value) => {
      expect(refusals(Email, value)).toContain('must be an email address');
    },
  );
});

describe('recordId', () => {
  const accountId = recordId('acc');

  it('accepts the type prefix followed by a ULID', () => {
    expect(accountId.parse('acc_01JD0000000000000000000001')).toBe('acc_01JD0000000000000000000001');
  });

  it.each([
    ['another type', 'con_01JD0000000000000000000001'],
    ['a ULID with a letter Crockford leaves out (U)', 'acc_01JD000000000000000000000U'],
    ['a lower-case ULID', 'acc_01jd0000000000000000000001'],
    ['one character short', 'acc_01JD000000000000000000001'],
  ])('refuses %s', (_what, value) => {
    expect(refusals(accountId, value)).toEqual(['must be an id like acc_01JD…']);
  });
});

describe('IsoDateTime', () => {
  it('accepts a UTC or offset date-time and refuses a bare date', () => {
    expect(refusals(IsoDateTime, '2026-03-01T09:00:00Z')).toEqual([]);
    expect(refusals(IsoDateTime, '2026-03-01T09:00:00+02:00')).toEqual([]);
    expect(refusals(IsoDateTime, '2026-03-01')).toEqual(['must be an ISO 8601 date-time']);
  });
});
