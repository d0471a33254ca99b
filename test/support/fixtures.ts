/** Valid request bodies to start from; tests change the one field they are about. */
import type { ApiClient } from './hub.ts';

export const validUser = (n: number | string = 1) => ({
  name: `Test User ${n}`,
  email: `user${n}@example.com`,
  role: 'sales',
});

export const validProduct = (sku = 'SKU-1') => ({
  name: 'Widget',
  sku,
  family: 'Hardware',
  currency: 'EUR',
  unitPrice: 10_000,
  unitCost: 4_000,
});

export async function createAccount(api: ApiClient, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await api.post('/v1/accounts', { name: 'Acme', ...extra });
  if (response.status !== 201) throw new Error(`account: ${response.status} ${response.text}`);
  return response.body.id;
}

export async function createProduct(api: ApiClient, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await api.post('/v1/products', {
    ...validProduct(`SKU-${Math.random().toString(36).slice(2, 10)}`),
    ...extra,
  });
  if (response.status !== 201) throw new Error(`product: ${response.status} ${response.text}`);
  return response.body.id;
}

export const validQuote = (accountId: string, productId: string) => ({
  name: 'Renewal 2027',
  accountId,
  currency: 'EUR',
  validUntil: '2027-01-31',
  lines: [{ productId, quantity: 3, discountPercent: 10 }],
  taxRatePercent: 19,
});
