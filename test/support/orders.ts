/**
 * A customer to order for on a test hub: a sales owner, the account the local ERP knows as a
 * customer (Acme Europe GmbH) with a billing contact, two products with SKUs the ERP knows as items, and approved quotes
 * of them (no approval policy is active on a fresh hub, so a submitted quote is approved at once).
 */
import { expect } from 'vitest';
import type { TestHub } from './hub.ts';

export interface Customer {
  accountId: string;
  ownerId: string;
  /** The contact quotes and orders name, who receives the invoices. */
  contactId: string;
  contactEmail: string;
  seat: string;
  workshop: string;
  /** An approved quote of `seats` seats and one workshop. */
  approvedQuote(seats: number, extra?: Record<string, unknown>): Promise<string>;
}

export async function customer(
  hub: TestHub,
  prices: { seat: number; workshop: number },
  account: Record<string, unknown> = {},
): Promise<Customer> {
  const ownerId = (
    await hub.api.post('/v1/users', {
      name: 'Ana Seller',
      email: `ana.${Math.random().toString(36).slice(2, 8)}@example.com`,
      role: 'sales',
      timeZone: 'UTC',
    })
  ).body.id as string;
  const accountId = (
    await hub.api.post('/v1/accounts', { name: 'Acme Europe GmbH', country: 'DE', ownerId, ...account })
  ).body.id as string;
  const contactEmail = `billing.${accountId.slice(-8).toLowerCase()}@acme.example`;
  const contactId = (
    await hub.api.post('/v1/contacts', {
      firstName: 'Erika',
      lastName: 'Mustermann',
      email: contactEmail,
      accountId,
    })
  ).body.id as string;
  // A second customer on the same hub shares the products (their SKUs are unique).
  const product = async (sku: string, unitPrice: number) => {
    const made = await hub.api.post('/v1/products', {
      name: sku,
      sku,
      family: 'Software',
      currency: 'EUR',
      unitPrice,
    });
    if (made.status === 201) return made.body.id as string;
    const found = (await hub.api.all('products')).find((p) => p.sku === sku);
    expect(found, `product ${sku}: ${made.status} ${made.text}`).toBeDefined();
    return found?.id as string;
  };
  const seat = await product('PLAT-SEAT-1Y', prices.seat);
  const workshop = await product('SVC-ONB-DAY', prices.workshop);
  return {
    accountId,
    ownerId,
    contactId,
    contactEmail,
    seat,
    workshop,
    async approvedQuote(seats, extra = {}) {
      const quote = await hub.api.post('/v1/quotes', {
        name: 'Order',
        accountId,
        ownerId,
        contactId,
        currency: 'EUR',
        validUntil: '2027-06-30',
        lines: [
          { productId: seat, quantity: seats },
          { productId: workshop, quantity: 1 },
        ],
        ...extra,
      });
      expect(quote.status, quote.text).toBe(201);
      const submitted = await hub.api.post(`/v1/quotes/${quote.body.id}/submit`);
      expect(submitted.status, submitted.text).toBe(200);
      return quote.body.id as string;
    },
  };
}
