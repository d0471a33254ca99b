import { describe, expect, it } from 'vitest';
import { RECORD_TYPES, recordTypeById } from '#functions/records/domain/record-types';
import { fieldErrors } from '#functions/shared/errors';
import type { StoredRecord } from '#schemas/common';
import { pricingProduct, storedProduct, storedRecord, testId } from './support/builders.ts';

const { account, contact, lead, user, queue, product, quote, ticket } = RECORD_TYPES;

/** Field errors a record type's input schema reports for a body; empty when it is valid. */
const errorsFor = (type: (typeof RECORD_TYPES)[keyof typeof RECORD_TYPES], body: unknown) => {
  const result = type.input.safeParse(body);
  return result.success ? [] : fieldErrors(result.error);
};

const pointersFor = (type: (typeof RECORD_TYPES)[keyof typeof RECORD_TYPES], body: unknown) =>
  errorsFor(type, body).map((e) => e.pointer);

const ACC = testId('acc', 1);
const PRD = testId('prd', 1);

const validQuote = (extra: Record<string, unknown> = {}) => ({
  name: 'Renewal 2027',
  accountId: ACC,
  currency: 'EUR',
  validUntil: '2027-01-31',
  lines: [{ productId: PRD, quantity: 2 }],
  ...extra,
});

const validUser = (extra: Record<string, unknown> = {}) => ({
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  role: 'sales',
  ...extra,
});

describe('record input schemas', () => {
  describe('every type', () => {
    it.each([
      ['account', account, { name: 'Acme' }],
      ['contact', contact, { lastName: 'Lovelace' }],
      ['lead', lead, { lastName: 'Lovelace', email: 'ada@example.com' }],
      ['user', user, validUser()],
      ['queue', queue, { name: 'EMEA inbound' }],
      [
        'product',
        product,
        { name: 'Widget', sku: 'W-1', family: 'Hardware', currency: 'EUR', unitPrice: 100 },
      ],
      ['quote', quote, validQuote()],
      ['ticket', ticket, { subject: 'Printer on fire' }],
    ] as const)('refuses an unknown field on a %s by name', (_name, type, valid) => {
      expect(errorsFor(type, valid)).toEqual([]);

      expect(errorsFor(type, { ...valid, isVip: true })).toEqual([
        { pointer: '/isVip', detail: 'is not a known field', code: 'unknown_field' },
      ]);
    });
  });

  describe('contact phone and email', () => {
    it('stores the phone number in E.164 and the email in lower case', () => {
      const parsed = contact.input.parse({
        lastName: 'Lovelace',
        email: 'ADA@Example.com',
        phone: '(+44) 20 7946 0958',
      });

      expect(parsed).toMatchObject({ email: 'ada@example.com', phone: '+442079460958' });
    });

    it('refuses a national-only phone number on /phone', () => {
      expect(pointersFor(contact, { lastName: 'Lovelace', phone: '020 7946 0958' })).toEqual(['/phone']);
    });
  });

  describe('lead', () => {
    it('needs an email or a phone number, reported on /email', () => {
      expect(errorsFor(lead, { lastName: 'Lovelace' })).toEqual([
        { pointer: '/email', detail: 'a lead needs an email or a phone number', code: 'custom' },
      ]);
    });

    it('is valid with only a phone number', () => {
      expect(errorsFor(lead, { lastName: 'Lovelace', phone: '+49 151 12345678' })).toEqual([]);
    });

    it('starts as "new" unless told otherwise', () => {
      expect(lead.input.parse({ lastName: 'Lovelace', email: 'a@example.com' }).status).toBe('new');
    });
  });

  describe('quote', () => {
    it('needs a description and a unit price on a line without a product', () => {
      const onlyDescription = validQuote({ lines: [{ description: 'Setup', quantity: 1 }] });
      const onlyPrice = validQuote({ lines: [{ unitPrice: 500, quantity: 1 }] });
      const both = validQuote({ lines: [{ description: 'Setup', unitPrice: 500, quantity: 1 }] });

      for (const body of [onlyDescription, onlyPrice]) {
        expect(errorsFor(quote, body)).toEqual([
          {
            pointer: '/lines/0/productId',
            detail: 'a line without a product needs a description and a unitPrice',
            code: 'custom',
          },
        ]);
      }
      expect(errorsFor(quote, both)).toEqual([]);
    });

    it('refuses a currency that is not ISO 4217', () => {
      expect(pointersFor(quote, validQuote({ currency: 'EURO' }))).toEqual(['/currency']);
    });

    it('takes percentages with two decimals between 0 and 100 only', () => {
      expect(pointersFor(quote, validQuote({ discountPercent: 12.34, taxRatePercent: 19 }))).toEqual([]);
      expect(pointersFor(quote, validQuote({ discountPercent: 12.345 }))).toEqual(['/discountPercent']);
      expect(pointersFor(quote, validQuote({ taxRatePercent: 101 }))).toEqual(['/taxRatePercent']);
      expect(
        pointersFor(quote, validQuote({ lines: [{ productId: PRD, quantity: 1, discountPercent: -5 }] })),
      ).toEqual(['/lines/0/discountPercent']);
    });

    it('limits quantities to whole numbers from 1 to 1,000,000', () => {
      const withQuantity = (quantity: number) => validQuote({ lines: [{ productId: PRD, quantity }] });

      expect(pointersFor(quote, withQuantity(1_000_000))).toEqual([]);
      expect(pointersFor(quote, withQuantity(1_000_001))).toEqual(['/lines/0/quantity']);
      expect(pointersFor(quote, withQuantity(0))).toEqual(['/lines/0/quantity']);
      expect(pointersFor(quote, withQuantity(1.5))).toEqual(['/lines/0/quantity']);
    });

    it('needs at least one line and takes at most 200', () => {
      const line = { productId: PRD, quantity: 1 };

      expect(pointersFor(quote, validQuote({ lines: [] }))).toEqual(['/lines']);
      expect(pointersFor(quote, validQuote({ lines: Array(200).fill(line) }))).toEqual([]);
      expect(pointersFor(quote, validQuote({ lines: Array(201).fill(line) }))).toEqual(['/lines']);
    });

    it('does not let a client set server-owned fields such as status or totals', () => {
      expect(pointersFor(quote, validQuote({ status: 'approved', totals: { total: 1 } }))).toEqual([
        '/status',
        '/totals',
      ]);
    });
  });

  describe('user', () => {
    it('needs the out-of-office window to end after it starts, reported on /outOfOffice/until', () => {
      const backwards = validUser({
        outOfOffice: { from: '2026-08-10T00:00:00Z', until: '2026-08-01T00:00:00Z' },
      });
      const empty = validUser({
        outOfOffice: { from: '2026-08-01T00:00:00Z', until: '2026-08-01T00:00:00Z' },
      });

      for (const body of [backwards, empty]) {
        expect(errorsFor(user, body)).toEqual([
          { pointer: '/outOfOffice/until', detail: 'must end after it starts', code: 'custom' },
        ]);
      }
    });

    it('compares out-of-office instants, not their text, across time zone offsets', () => {
      // 10:00+02:00 is 08:00Z, so a window until 09:00Z is one hour long.
      const body = validUser({
        outOfOffice: { from: '2026-08-01T10:00:00+02:00', until: '2026-08-01T09:00:00Z' },
      });

      expect(errorsFor(user, body)).toEqual([]);
    });

    it('refuses an unknown field inside the out-of-office window', () => {
      const body = validUser({
        outOfOffice: { from: '2026-08-01T00:00:00Z', until: '2026-08-02T00:00:00Z', reason: 'holiday' },
      });

      expect(pointersFor(user, body)).toEqual(['/outOfOffice/reason']);
    });

    it('refuses a role that does not exist and a time zone that is not IANA', () => {
      expect(pointersFor(user, validUser({ role: 'superuser' }))).toEqual(['/role']);
      expect(pointersFor(user, validUser({ timeZone: 'Mars/Olympus_Mons' }))).toEqual(['/timeZone']);
    });

    it('accepts Europe/Berlin and UTC as time zones, defaulting to UTC', () => {
      expect(user.input.parse(validUser({ timeZone: 'Europe/Berlin' })).timeZone).toBe('Europe/Berlin');
      expect(user.input.parse(validUser()).timeZone).toBe('UTC');
    });

    it('accepts current IANA names such as Asia/Kolkata and Europe/Kyiv as well as their old aliases', () => {
      expect(pointersFor(user, validUser({ timeZone: 'Asia/Kolkata' }))).toEqual([]);
      expect(pointersFor(user, validUser({ timeZone: 'Europe/Kyiv' }))).toEqual([]);
    });
  });

  describe('queue', () => {
    it('refuses a member listed twice', () => {
      const member = testId('usr', 1);

      expect(pointersFor(queue, { name: 'EMEA', memberIds: [member, member] })).toEqual(['/memberIds']);
    });
  });
});

describe('record references', () => {
  it('names the account, contact, owner and every product line of a quote, with the field it sits in', () => {
    const input = quote.input.parse(
      validQuote({
        contactId: testId('con', 1),
        lines: [
          { productId: PRD, quantity: 1 },
          { description: 'Setup', unitPrice: 500, quantity: 1 },
          { productId: testId('prd', 2), quantity: 1 },
        ],
      }),
    );

    expect(quote.references(input)).toEqual([
      { path: ['accountId'], type: 'account', id: ACC },
      { path: ['contactId'], type: 'contact', id: testId('con', 1) },
      { path: ['lines', 0, 'productId'], type: 'product', id: PRD },
      { path: ['lines', 2, 'productId'], type: 'product', id: testId('prd', 2) },
    ]);
  });

  it('names each queue member at its position', () => {
    const members = [testId('usr', 1), testId('usr', 2)];

    expect(queue.references({ name: 'EMEA', memberIds: members })).toEqual([
      { path: ['memberIds', 0], type: 'user', id: members[0] },
      { path: ['memberIds', 1], type: 'user', id: members[1] },
    ]);
  });

  it('finds a record type from an id prefix', () => {
    expect(recordTypeById(testId('quo', 1))?.name).toBe('quote');
    expect(recordTypeById('xyz_01JD0000000000000000000001')).toBeUndefined();
  });
});

describe('quote record type', () => {
  const listProduct = pricingProduct({ id: PRD, unitPrice: 10_000, unitCost: 4_000 });
  const refs = new Map<string, StoredRecord>([[`product#${PRD}`, storedProduct(listProduct)]]);
  const derive = (body: Record<string, unknown>, current?: StoredRecord, catalogue = refs) => {
    if (!quote.derive) throw new Error('quotes derive their prices');
    return quote.derive(quote.input.parse(body), catalogue, current);
  };
  const fieldsOf = (result: ReturnType<typeof derive>) => {
    if (!result.ok) throw new Error(`expected derived fields, got ${JSON.stringify(result.issues)}`);
    return result.fields;
  };

  /** A stored quote as it was last priced: two units at list, 20,000. */
  // A quote as the store holds it: priced by derive, then moved to a status.
  const storedQuote = (status: string) =>
    storedRecord(
      'quo',
      { ...quote.input.parse(validQuote()), ...fieldsOf(derive(validQuote())), status },
      { version: 4 },
    );

  describe('derive', () => {
    it('prices a new quote from the referenced products and starts it as a draft', () => {
      const fields = fieldsOf(derive(validQuote()));

      expect(fields.status).toBe('draft');
      expect(fields.totals).toMatchObject({ listTotal: 20_000, total: 20_000, marginPercent: 60 });
      expect(fields.lines).toEqual([
        expect.objectContaining({ productId: PRD, unitPrice: 10_000, net: 20_000 }),
      ]);
    });

    it('passes pricing issues on with their paths', () => {
      const missing = testId('prd', 9);

      const result = derive(validQuote({ lines: [{ productId: missing, quantity: 1 }] }));

      expect(result).toEqual({
        ok: false,
        issues: [{ path: ['lines', 0, 'productId'], message: `no product ${missing} exists` }],
      });
    });

    it('sends an approved quote whose total changes back to draft', () => {
      const fields = fieldsOf(
        derive(validQuote({ lines: [{ productId: PRD, quantity: 3 }] }), storedQuote('approved')),
      );

      expect(fields.status).toBe('draft');
    });

    it('sends an approved quote whose discount changes back to draft, even at the same total', () => {
      // Same total (20,000) reached as 4 units at 50 % off: the discount against list is what changed.
      const body = validQuote({ lines: [{ productId: PRD, quantity: 4, discountPercent: 50 }] });

      const fields = fieldsOf(derive(body, storedQuote('approved')));

      expect(fields.totals).toMatchObject({ total: 20_000, discountPercent: 50 });
      expect(fields.status).toBe('draft');
    });

    it('keeps an approved quote approved when its price does not change (e.g. only the notes)', () => {
      const fields = fieldsOf(derive(validQuote({ notes: 'Call before delivery' }), storedQuote('approved')));

      expect(fields.status).toBe('approved');
    });

    it('keeps a draft a draft, and sends a rejected quote back to draft, when the price changes', () => {
      const repriced = validQuote({ lines: [{ productId: PRD, quantity: 3 }] });

      expect(fieldsOf(derive(repriced, storedQuote('draft'))).status).toBe('draft');
      expect(fieldsOf(derive(repriced, storedQuote('rejected'))).status).toBe('draft');
    });

    it('keeps a rejected quote rejected when only its notes change', () => {
      expect(fieldsOf(derive(validQuote({ notes: 'Customer called' }), storedQuote('rejected'))).status).toBe(
        'rejected',
      );
    });

    it('fixes the currency once the quote exists, giving the reason', () => {
      expect(quote.immutable?.currency).toMatch(/keeps the currency it was created in/);
    });

    it('keeps the list price a line was quoted at when the catalogue price changes later', () => {
      const stored = storedQuote('approved');
      const repricedCatalogue = new Map([
        [`product#${PRD}`, storedProduct({ ...listProduct, unitPrice: 99_999 })],
      ]);
      const later = derive(quote.toInput(stored), stored, repricedCatalogue);

      expect(fieldsOf(later).lines).toEqual([
        expect.objectContaining({ listPrice: 10_000, unitPrice: 10_000 }),
      ]);
      expect(fieldsOf(later).status).toBe('approved');
    });
  });

  describe('lockedReason', () => {
    it('locks a quote pending approval, telling the user to recall it first', () => {
      expect(quote.lockedReason?.(storedQuote('pending_approval'))).toBe(
        'the quote is pending approval; recall it before editing',
      );
    });

    it('locks a quote the customer accepted', () => {
      expect(quote.lockedReason?.(storedQuote('accepted'))).toMatch(/accepted by the customer/);
    });

    it.each(['draft', 'approved', 'rejected', 'expired'])('leaves a %s quote editable', (status) => {
      expect(quote.lockedReason?.(storedQuote(status))).toBeUndefined();
    });
  });

  describe('toInput', () => {
    it('gives back a stored quote as input the strict schema accepts, without priced fields', () => {
      const fields = fieldsOf(derive(validQuote({ discountPercent: 5 })));
      const stored = storedRecord('quo', {
        ...quote.input.parse(validQuote({ discountPercent: 5 })),
        ...fields,
      });

      const input = quote.toInput(stored);

      expect(quote.input.safeParse(input).success).toBe(true);
      expect(input).not.toHaveProperty('status');
      expect(input).not.toHaveProperty('totals');
      expect(input.lines).toEqual([
        expect.not.objectContaining({
          listPrice: expect.anything(),
          amount: expect.anything(),
          sku: 'WIDGET-1',
        }),
      ]);
      expect(input.lines).toEqual([
        expect.objectContaining({ productId: PRD, quantity: 2, discountPercent: 0 }),
      ]);
    });
  });
});
