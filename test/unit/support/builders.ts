/** Valid values to start from; each test changes only what it is about. */
import type { PricingProduct } from '#functions/records/domain/price-quote';
import type { AuditEntry } from '#schemas/audit';
import type { StoredRecord } from '#schemas/common';
import { QuoteInput } from '#schemas/records/quote';

/** A well-formed record id (`prefix_` + 26 Crockford base32 characters), distinct per `n`. */
export const testId = (prefix: string, n: number | string = 1): string =>
  `${prefix}_01JD${String(n).padStart(22, '0')}`;

export const pricingProduct = (overrides: Partial<PricingProduct> = {}): PricingProduct => ({
  id: testId('prd', 1),
  sku: 'WIDGET-1',
  family: 'Hardware',
  currency: 'EUR',
  unitPrice: 10_000,
  active: true,
  ...overrides,
});

export const productsById = (...products: PricingProduct[]): ReadonlyMap<string, PricingProduct> =>
  new Map(products.map((p) => [p.id, p]));

/** A quote as the API would accept it, run through the real schema so defaults apply. */
export const quoteInput = (overrides: Record<string, unknown> = {}): QuoteInput =>
  QuoteInput.parse({
    name: 'Renewal 2027',
    accountId: testId('acc', 1),
    currency: 'EUR',
    validUntil: '2027-01-31',
    lines: [{ productId: testId('prd', 1), quantity: 1 }],
    ...overrides,
  });

/** A line without a product: a description and a manual price. */
export const manualLine = (unitPrice: number, extra: Record<string, unknown> = {}) => ({
  description: 'Service',
  quantity: 1,
  unitPrice,
  ...extra,
});

export const storedRecord = (
  prefix: string,
  fields: Record<string, unknown> = {},
  system: Partial<StoredRecord> = {},
): StoredRecord => ({
  id: testId(prefix, 1),
  version: 1,
  createdAt: '2026-03-01T09:00:00.000Z',
  updatedAt: '2026-03-01T09:00:00.000Z',
  createdBy: 'key_creator',
  updatedBy: 'key_creator',
  archived: false,
  ...fields,
  ...system,
});

/** A product as the store returns it: what quote pricing reads from a reference. */
export const storedProduct = (product: PricingProduct): StoredRecord =>
  storedRecord('prd', { name: 'Widget', ...product });

export const auditEntryFor = (record: StoredRecord, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  id: '01JD0000000000000000000AUD',
  recordType: 'user',
  recordId: record.id,
  version: record.version,
  action: record.version === 1 ? 'create' : 'update',
  at: record.updatedAt,
  actor: { id: 'key_actor', name: 'CRM sync', role: 'integration', kind: 'api-key' },
  channel: 'api',
  changes: [],
  ...overrides,
});
