/**
 * Approval runs for tests, written straight through ApprovalStore into a test hub's table: a
 * quote made through the API, approvers as staff users, one run with one step and one request
 * (link, SMS code) per approver — what submitting a quote leaves behind, without the workflow.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { inject } from 'vitest';
import type { ApprovalRequest } from '#schemas/approval';
import { type ApprovalStep, ApprovalStore } from '#store/approval-store';
import { createAccount, createProduct, validQuote } from './fixtures.ts';
import type { TestHub } from './hub.ts';

const ulid = monotonicFactory();

export function approvalStore(hub: TestHub): ApprovalStore {
  const client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint') });
  return new ApprovalStore(
    DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    hub.tables.records,
  );
}

/** A unique, valid mobile number per call, so tests never share an SMS outbox or attempt count. */
export const uniquePhone = () =>
  `+49151${String(10_000_000 + (randomBytes(3).readUIntBE(0, 3) % 89_999_999))}`;

export interface Approver {
  id: string;
  name: string;
  phone: string;
  linkId: string;
  request: ApprovalRequest;
}

export interface ApprovalScenario {
  approvalId: string;
  quoteId: string;
  quoteName: string;
  approvers: Approver[];
  store: ApprovalStore;
}

export async function createApproval(
  hub: TestHub,
  options: {
    mode?: 'any' | 'all' | 'quorum';
    required?: number;
    approvers?: number;
    /** Hours until the links expire; negative for links already expired. */
    validForHours?: number;
    quoteName?: string;
    stepStatus?: ApprovalStep['status'];
  } = {},
): Promise<ApprovalScenario> {
  const store = approvalStore(hub);
  const api = hub.api;
  const quoteName = options.quoteName ?? `Q-${randomBytes(3).toString('hex').toUpperCase()}`;
  const account = await createAccount(api, { name: 'Globex Corporation' });
  const product = await createProduct(api, { name: 'Enterprise licence' });
  const quote = await api.post('/v1/quotes', { ...validQuote(account, product), name: quoteName });
  if (quote.status !== 201) throw new Error(`quote: ${quote.status} ${quote.text}`);
  const submitter = await createUser(hub, 'sales', 'Sam Seller');
  const count = options.approvers ?? 1;
  const people = [];
  for (let i = 0; i < count; i++) people.push(await createUser(hub, 'manager', `Mara Manager ${i + 1}`));

  const approvalId = `apr_${ulid()}`;
  const now = new Date();
  const mode = options.mode ?? 'any';
  await store.createRun(
    {
      id: approvalId,
      quoteId: quote.body.id,
      policy: { id: 'doc_test', version: 1, name: 'Discounts over 10%' },
      submittedBy: { userId: submitter.id, name: submitter.name },
      submittedAt: now.toISOString(),
      status: 'pending',
      stepCount: 1,
    },
    [
      {
        approvalId,
        index: 0,
        name: 'Sales manager',
        status: options.stepStatus ?? 'open',
        required: options.required ?? (mode === 'all' ? count : 1),
        mode,
        why: ['discountPercent 10 > 5'],
        reminders: 0,
        escalations: 0,
        decisions: [],
        openedAt: now.toISOString(),
      },
    ],
  );
  const expiresAt = new Date(now.getTime() + (options.validForHours ?? 48) * 3600_000).toISOString();
  const approvers: Approver[] = [];
  for (const person of people) {
    const { linkId, request } = await store.addRequest(
      {
        approvalId,
        quoteId: quote.body.id,
        stepIndex: 0,
        stepName: 'Sales manager',
        approverId: person.id,
        approverName: person.name,
        reason: 'manager of Sam Seller (level 1)',
        expiresAt,
        status: 'open',
        createdAt: now.toISOString(),
      },
      person.phone,
    );
    approvers.push({ ...person, linkId, request });
  }
  return { approvalId, quoteId: quote.body.id, quoteName, approvers, store };
}

async function createUser(hub: TestHub, role: string, name: string) {
  const phone = uniquePhone();
  const response = await hub.api.post('/v1/users', {
    name,
    email: `${randomBytes(5).toString('hex')}@example.com`,
    phone,
    role,
  });
  if (response.status !== 201) throw new Error(`user: ${response.status} ${response.text}`);
  return { id: String(response.body.id), name, phone: String(response.body.phone) };
}

/** The quote's audit entries about approval decisions and steps, oldest first. */
export async function approvalHistory(hub: TestHub, quoteId: string) {
  const history = await hub.api.get(`/v1/quotes/${quoteId}/history?limit=100`);
  if (history.status !== 200) throw new Error(`history: ${history.status} ${history.text}`);
  return (history.body.items as { action: string; channel: string; context?: Record<string, unknown> }[])
    .filter((entry) => entry.action.startsWith('approval-'))
    .reverse();
}
