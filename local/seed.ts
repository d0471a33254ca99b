/**
 * A small demo organisation, written on the first start of an empty table through the same use
 * case the API uses (so every seeded record has its audit entry): staff in every role with a
 * management chain, a sales queue and a support queue, products, and a customer.
 */

import { ADMIN_KINDS } from '#functions/admin/domain/admin-kinds';
import { createDocument } from '#functions/admin/use-cases/write-document.use-case';
import { documentDeps } from '#functions/admin/wiring';
import { RECORD_TYPES } from '#functions/records/domain/record-types';
import type { ChangeSource, RecordDeps } from '#functions/records/ports';
import { createRecord } from '#functions/records/use-cases/create-record.use-case';
import type { Role } from '#schemas/common';
import { DEMO_CUSTOMER, DEMO_PRODUCTS } from './demo-catalogue.ts';

const SEED: ChangeSource = { actor: { id: 'system', name: 'Demo data', kind: 'system' }, channel: 'system' };

export interface SeedSummary {
  users: number;
  queues: number;
  products: number;
  /** The person each role's dev key acts as. */
  staff: Partial<Record<Role, string>>;
}

export async function seedDemoOrganisation(deps: RecordDeps): Promise<SeedSummary> {
  const create = async (type: keyof typeof RECORD_TYPES, body: Record<string, unknown>) =>
    (await createRecord(deps, RECORD_TYPES[type], body, SEED)).id;

  const user = (name: string, email: string, role: string, extra: Record<string, unknown> = {}) =>
    create('user', { name, email, role, timeZone: 'Europe/Berlin', ...extra });

  const ceo = await user('Dana Director', 'dana.director@example.com', 'manager', {
    phone: '+4915112340001',
    territory: 'EMEA',
  });
  const admin = await user('Ada Admin', 'ada.admin@example.com', 'admin', { managerId: ceo });
  const salesManager = await user('Max Manager', 'max.manager@example.com', 'manager', {
    managerId: ceo,
    phone: '+4915112340002',
    territory: 'EMEA',
  });
  const ana = await user('Ana Seller', 'ana.seller@example.com', 'sales', {
    managerId: salesManager,
    phone: '+4915112340003',
    territory: 'EMEA',
    capacity: 50,
  });
  const ben = await user('Ben Seller', 'ben.seller@example.com', 'sales', {
    managerId: salesManager,
    phone: '+4915112340004',
    territory: 'EMEA',
    capacity: 50,
  });
  const finance = await user('Fiona Finance', 'fiona.finance@example.com', 'finance', {
    managerId: ceo,
    phone: '+4915112340005',
  });
  const supportLead = await user('Sol Support Lead', 'sol.lead@example.com', 'support', {
    managerId: ceo,
    phone: '+4915112340006',
  });
  const agent = await user('Sam Support', 'sam.support@example.com', 'support', { managerId: supportLead });
  const integration = await user('Ivy Integration', 'integration@example.com', 'integration', {
    managerId: admin,
  });

  const inboundSales = await create('queue', {
    name: 'Inbound sales EMEA',
    memberIds: [ana, ben],
    strategy: 'round-robin',
    managerId: salesManager,
  });
  await create('queue', {
    name: 'Support L1',
    memberIds: [agent, supportLead],
    strategy: 'least-loaded',
    managerId: supportLead,
  });
  await seedSlaPolicy(deps);
  await seedDunningPolicy(deps);
  await seedLeadRouting(deps, inboundSales, salesManager);

  for (const product of DEMO_PRODUCTS) await create('product', { ...product });

  const account = await create('account', { ...DEMO_CUSTOMER.account, ownerId: ana });
  await create('contact', {
    firstName: 'Erika',
    lastName: 'Mustermann',
    email: 'erika@acme.example',
    phone: '+4915112349999',
    accountId: account,
    ownerId: ana,
  });

  return {
    users: 9,
    queues: 2,
    products: DEMO_PRODUCTS.length,
    staff: { admin, manager: salesManager, sales: ana, support: agent, finance, integration },
  };
}

const nineToSix = [{ start: '09:00', end: '18:00' }];
const BERLIN_HOLIDAYS = [
  { date: '2026-12-24', name: 'Christmas Eve' },
  { date: '2026-12-25', name: 'Christmas Day' },
  { date: '2026-12-26', name: 'Boxing Day' },
  { date: '2026-12-31', name: "New Year's Eve" },
  { date: '2027-01-01', name: "New Year's Day" },
];

/**
 * The support team's SLA: Berlin business hours with the office's holidays, faster targets for
 * gold and platinum customers, the agent warned at 75 %, the team lead told at the deadline, the
 * manager after half as long again. Active, so every demo ticket gets deadlines.
 */
async function seedSlaPolicy(deps: RecordDeps): Promise<void> {
  await createDocument(
    { ...documentDeps(), ...deps },
    ADMIN_KINDS['sla-policy'],
    {
      activate: true,
      note: 'Demo data',
      content: {
        name: 'Support hours (Berlin)',
        calendar: {
          timeZone: 'Europe/Berlin',
          week: { mon: nineToSix, tue: nineToSix, wed: nineToSix, thu: nineToSix, fri: nineToSix },
          holidays: BERLIN_HOLIDAYS,
        },
        targets: [
          { priority: 'P1', tiers: ['gold', 'platinum'], firstResponseMinutes: 30, resolutionMinutes: 240 },
          { priority: 'P1', firstResponseMinutes: 60, resolutionMinutes: 480 },
          { priority: 'P2', firstResponseMinutes: 240, resolutionMinutes: 1440 },
          { priority: 'P3', firstResponseMinutes: 480, resolutionMinutes: 2700 },
          { priority: 'P4', firstResponseMinutes: 1440, resolutionMinutes: 5400 },
        ],
        escalations: [
          { atPercent: 75, notify: 'agent', channels: ['email'] },
          { atPercent: 100, notify: 'team-lead', channels: ['email', 'sms'] },
          { atPercent: 150, notify: 'manager', channels: ['sms'] },
        ],
        autoClose: { resolvedAfterBusinessDays: 3, pendingCustomerAfterBusinessDays: 5 },
      },
    },
    SEED,
  );
}

/**
 * Finance's payment reminders, in Berlin office hours (the office's holidays off): a friendly note three days before the
 * due date, an SMS a week after it, a second notice with a €10 fee after two weeks, and a call
 * for the account's owner after a month. Active, so every demo invoice is dunned.
 */
async function seedDunningPolicy(deps: RecordDeps): Promise<void> {
  await createDocument(
    { ...documentDeps(), ...deps },
    ADMIN_KINDS['dunning-policy'],
    {
      activate: true,
      note: 'Demo data',
      content: {
        name: 'Standard dunning (Berlin)',
        calendar: {
          timeZone: 'Europe/Berlin',
          week: { mon: nineToSix, tue: nineToSix, wed: nineToSix, thu: nineToSix, fri: nineToSix },
          holidays: BERLIN_HOLIDAYS,
        },
        levels: [
          {
            name: 'Friendly reminder',
            days: -3,
            channel: 'email',
            subject: 'Invoice {{invoice}} is due on {{dueDate}}',
            body: 'Dear {{customer}},\n\na friendly reminder: {{outstanding}} on invoice {{invoice}} is due on {{dueDate}}.',
          },
          {
            name: 'Overdue',
            days: 7,
            channel: 'sms',
            body: 'Invoice {{invoice}}: {{outstanding}} is {{daysOverdue}} days overdue. Please pay soon.',
          },
          {
            name: 'Second notice',
            days: 14,
            channel: 'email',
            subject: 'Second notice: invoice {{invoice}}',
            body: 'Dear {{customer}},\n\n{{outstanding}} on invoice {{invoice}} is {{daysOverdue}} days overdue. With our fee of {{fee}} you owe {{total}}.',
            fee: 10_00,
          },
          {
            name: 'Call the customer',
            days: 30,
            channel: 'task',
            subject: 'Call {{customer}} about invoice {{invoice}}',
            body: '{{outstanding}} is {{daysOverdue}} days overdue after two reminders.',
            assignTo: { type: 'account-owner' },
          },
        ],
      },
    },
    SEED,
  );
}

/**
 * Lead routing for the demo: companies of 10,000 and more go to the sales manager; EMEA enterprise leads take turns in the inbound sales queue and move
 * on when nobody calls them within four hours; big companies score as hot; everything else waits
 * in the same queue. And a "Contact us" web form that posts into it from a page on localhost.
 */
async function seedLeadRouting(deps: RecordDeps, queueId: string, managerId: string): Promise<void> {
  const documents = { ...documentDeps(), ...deps };
  await createDocument(
    documents,
    ADMIN_KINDS['lead-routing'],
    {
      activate: true,
      note: 'Demo data',
      content: {
        name: 'Inbound leads',
        scoring: [
          { name: 'Enterprise size', when: { fact: 'employees', op: 'gte', value: 500 }, points: 30 },
          { name: 'DACH', when: { fact: 'country', op: 'in', value: ['DE', 'AT', 'CH'] }, points: 20 },
          { name: 'Reachable by phone', when: { fact: 'hasPhone', op: 'eq', value: true }, points: 10 },
        ],
        hotScore: 60,
        rules: [
          {
            name: 'Key accounts to the manager',
            when: { fact: 'employees', op: 'gte', value: 10_000 },
            assignTo: { type: 'user', userId: managerId },
          },
          {
            name: 'EMEA enterprise',
            when: {
              all: [
                { fact: 'country', op: 'in', value: ['DE', 'AT', 'CH', 'FR', 'NL', 'GB'] },
                { fact: 'employees', op: 'gte', value: 500 },
              ],
            },
            assignTo: { type: 'queue', queueId },
            followUp: { afterHours: 4, action: 'reassign', maxAttempts: 2 },
          },
        ],
        fallbackQueueId: queueId,
      },
    },
    SEED,
  );
  await createDocument(
    documents,
    ADMIN_KINDS['lead-form'],
    {
      activate: true,
      note: 'Demo data',
      content: {
        name: 'Contact us',
        fields: {
          email: 'email',
          first_name: 'firstName',
          last_name: 'lastName',
          company: 'company',
          phone: 'phone',
        },
        honeypotField: 'website',
        ignoreFields: ['submit'],
        source: 'website-contact',
        allowedOrigins: ['http://localhost:8080', 'http://127.0.0.1:8080'],
        rateLimit: { requests: 10, windowSeconds: 60 },
        defaultCountry: 'DE',
      },
    },
    SEED,
  );
}
