/**
 * The demo organisation's catalogue and customer, shared by the hub's seed (./seed.ts) and the
 * local ERP (./erp/), so an order placed in Junction names items and a customer the ERP knows.
 */

/** The products the seed creates; the local ERP knows each SKU as an Item. */
export const DEMO_PRODUCTS = [
  {
    name: 'Junction Platform — annual seat',
    sku: 'PLAT-SEAT-1Y',
    family: 'Software',
    currency: 'EUR',
    unitPrice: 120_000,
    unitCost: 18_000,
  },
  {
    name: 'Premium support — annual',
    sku: 'SUP-PREM-1Y',
    family: 'Services',
    currency: 'EUR',
    unitPrice: 500_000,
    unitCost: 200_000,
  },
  {
    name: 'Onboarding workshop (day)',
    sku: 'SVC-ONB-DAY',
    family: 'Services',
    currency: 'EUR',
    unitPrice: 180_000,
    unitCost: 90_000,
  },
  {
    name: 'Hardware gateway',
    sku: 'HW-GW-01',
    family: 'Hardware',
    currency: 'EUR',
    unitPrice: 89_900,
    unitCost: 52_000,
  },
] as const;

/** The demo customer: the account the seed creates, and its credit terms in the ERP. */
export const DEMO_CUSTOMER = {
  account: {
    name: 'Acme Europe GmbH',
    domain: 'acme.example',
    tier: 'gold',
    country: 'DE',
    employees: 1200,
  },
  /** Credit limit in the ERP, in minor units of EUR. */
  creditLimit: 50_000_00,
} as const;
